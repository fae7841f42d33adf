#!powershell
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Audit and enforce the hisops workstation controls on Windows 10/11 in one round trip.
# Documentation: hisops_workstation_windows.py. Mechanism data: each control's mechanism, sent by
# the role (roles/workstation_policy/vars/main/windows.yml) for the selected controls only.

#AnsibleRequires -CSharpUtil Ansible.Basic

$spec = @{
    options = @{
        controls = @{ type = 'list'; elements = 'dict'; required = $true }
        policy = @{ type = 'dict'; default = @{} }
        department = @{ type = 'dict'; required = $true }
        host = @{ type = 'str'; required = $true }
        groups = @{ type = 'list'; elements = 'str'; default = @() }
        connection_user = @{ type = 'str'; default = 'root' }
        clinical_24h = @{ type = 'bool'; default = $false }
        enforce = @{ type = 'bool'; default = $false }
        today = @{ type = 'str'; default = '' }
        fail_on_error = @{ type = 'bool'; default = $true }  # applied by the action plugin
    }
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$p = $module.Params
$enforce = $p.enforce -and -not $module.CheckMode
$today = if ($p.today) { [datetime]::ParseExact($p.today, 'yyyy-MM-dd', $null) } else { (Get-Date).Date }
$policy = @{
    windows_software_allowlist = @(); exceptions = @(); screenlock_minutes = 5; shutdown_time = '19:30'
    admins = @(); login_always_allow = @()
}
foreach ($k in @($p.policy.Keys)) { if ($null -ne $p.policy[$k]) { $policy[$k] = $p.policy[$k] } }
$seconds = [int]$policy.screenlock_minutes * 60
$diffBefore = [ordered]@{}
$diffAfter = [ordered]@{}

Function New-Result([string]$Id, [string]$Status, [string]$Severity, $Evidence, $Changes, [string]$Message) {
    $ev = @($Evidence | ForEach-Object { [string]$_ })
    if ($ev.Count -gt 50) { $ev = @($ev[0..49]) + @("... and $($ev.Count - 50) more") }
    [ordered]@{
        id = $Id; status = $Status; severity = $Severity; evidence = $ev
        changes = @($Changes | ForEach-Object { [string]$_ }); message = $Message
    }
}

Function Test-Match([string]$Name, $Patterns) {
    foreach ($pattern in @($Patterns)) { if ($Name -like $pattern) { return $true } }
    return $false
}

Function Get-ControlException([string]$Id) {
    # (active, expired) exceptions of one control that apply to this host
    $active = @(); $expired = @()
    foreach ($e in @($policy.exceptions)) {
        if ($e.control -ne $Id) { continue }
        $scoped = (@($e.hosts) -contains $p.host) -or (@($e.groups | Where-Object { @($p.groups) -contains $_ }).Count -gt 0)
        if (-not $scoped) { continue }
        $until = [datetime]::ParseExact([string]$e.expires, 'yyyy-MM-dd', $null)
        if ($until -ge $today) { $active += , $e } else { $expired += , $e }
    }
    return @{ active = $active; expired = $expired }
}

Function Format-Exception($e) {
    $items = if ($e.items) { " for " + (@($e.items) -join ', ') } else { '' }
    "exception$items approved by $($e.approver) until $($e.expires)"
}

# ---- registry values: one list of {path, name, type, data} per control ------------------
Function Get-RegistryFinding($Entries) {
    $finding = @{ evidence = @(); actions = @() }
    foreach ($entry in @($Entries)) {
        $want = ([string]$entry.data).Replace('{seconds}', [string]$seconds)
        $current = (Get-ItemProperty -LiteralPath $entry.path -Name $entry.name -ErrorAction SilentlyContinue).($entry.name)
        if ($null -ne $current -and [string]$current -eq $want) { continue }
        $where = "$($entry.path)\$($entry.name)"
        $finding.evidence += "$where is $(if ($null -eq $current) { 'unset' } else { $current }), must be $want"
        $diffBefore[$where] = if ($null -eq $current) { '' } else { [string]$current }
        $diffAfter[$where] = $want
        $finding.actions += @{
            description = "set $where = $want"
            apply = {
                param($e, $w)
                if (-not (Test-Path -LiteralPath $e.path)) { New-Item -Path $e.path -Force | Out-Null }
                $type = @{ dword = 'DWord'; qword = 'QWord'; string = 'String'; expandstring = 'ExpandString' }[$e.type]
                $value = if ($type -in 'DWord', 'QWord') { [int64]$w } else { $w }
                New-ItemProperty -LiteralPath $e.path -Name $e.name -PropertyType $type -Value $value -Force | Out-Null
            }.GetNewClosure()
            args = @($entry, $want)
        }
    }
    $finding
}

# ---- per-control checks: each returns @{evidence; actions; report_only; message} -------
Function Test-Games($mech, $items) {
    $f = Get-RegistryFinding $mech.registry
    $appx = @(Get-AppxPackage -AllUsers | Where-Object { (Test-Match $_.Name $mech.appx) -and -not (Test-Match $_.Name $items) })
    foreach ($a in $appx) {
        $f.evidence += "game app installed: $($a.Name)"
        $f.actions += @{ description = "remove app $($a.Name)"; args = @($a.PackageFullName)
            apply = { param($full) Remove-AppxPackage -Package $full -AllUsers -ErrorAction Stop } }
    }
    $prov = @(Get-AppxProvisionedPackage -Online | Where-Object { Test-Match $_.DisplayName $mech.appx })
    foreach ($a in $prov) {
        $f.evidence += "game app provisioned for new users: $($a.DisplayName)"
        $f.actions += @{ description = "deprovision app $($a.DisplayName)"; args = @($a.PackageName)
            apply = { param($name) Remove-AppxProvisionedPackage -Online -PackageName $name -ErrorAction Stop | Out-Null } }
    }
    foreach ($prog in Get-InstalledProgram $mech.uninstall_keys) {
        if ((Test-Match $prog $mech.uninstall_names) -and -not (Test-Match $prog $items)) {
            $f.evidence += "game program installed: $prog (uninstall it by hand; its store is blocked)"
            $f.report_only = $true
        }
    }
    $rules = @(Get-ChildItem -LiteralPath $mech.srp_key -ErrorAction SilentlyContinue |
        ForEach-Object { (Get-ItemProperty -LiteralPath $_.PSPath).ItemData })
    foreach ($path in @($mech.srp_paths)) {
        if ($rules -contains $path) { continue }
        $f.evidence += "game store path not blocked: $path"
        $f.actions += @{ description = "software restriction rule: disallow $path"; args = @($mech.srp_key, $path)
            apply = {
                param($key, $itemPath)
                $rule = Join-Path $key ('{' + [guid]::NewGuid().ToString() + '}')
                New-Item -Path $rule -Force | Out-Null
                New-ItemProperty -LiteralPath $rule -Name ItemData -PropertyType ExpandString -Value $itemPath | Out-Null
                New-ItemProperty -LiteralPath $rule -Name SaferFlags -PropertyType DWord -Value 0 | Out-Null
            } }
    }
    $f.message = if ($f.evidence) { "$($appx.Count) game app(s) found, $($f.actions.Count) fix(es) needed" } else { 'no game software' }
    $f
}

Function Get-InstalledProgram($keys) {
    @(foreach ($key in @($keys)) {
            Get-ChildItem -LiteralPath $key -ErrorAction SilentlyContinue | ForEach-Object {
                $props = Get-ItemProperty -LiteralPath $_.PSPath
                if ($props.DisplayName -and -not $props.SystemComponent) { [string]$props.DisplayName }
            }
        }) | Sort-Object -Unique
}

Function Test-Software($mech, $items) {
    $f = @{ evidence = @(); actions = @(); report_only = $false }
    foreach ($prog in Get-InstalledProgram $mech.uninstall_keys) {
        if ((Test-Match $prog $mech.ignore_names) -or (Test-Match $prog $policy.windows_software_allowlist) -or (Test-Match $prog $mech.game_names)) { continue }
        if (Test-Match $prog $items) { $f.evidence += "allowed by exception: $prog"; continue }
        $f.evidence += "not on the allowlist: $prog"
        $f.report_only = $true
    }
    $n = @($f.evidence | Where-Object { $_ -like 'not on the allowlist*' }).Count
    $f.message = if ($n) { "$n program(s) outside the allowlist (report only on Windows)" } else { 'all installed software is on the allowlist' }
    $f
}

Function Test-Registry($mech, $what) {
    $f = Get-RegistryFinding $mech.registry
    $f.message = if ($f.evidence) { "$what not enforced" } else { "$what enforced" }
    $f
}

Function Resolve-Sid([string]$Name) {
    if ($Name -like 'S-1-*') { return $Name }
    try { ([Security.Principal.NTAccount]$Name).Translate([Security.Principal.SecurityIdentifier]).Value } catch { $null }
}

Function Test-Admins($mech, $items) {
    $f = @{ evidence = @(); actions = @() }
    # names as Get-LocalGroupMember shows them: COMPUTER\user or DOMAIN\user
    $names = @($policy.admins) + @($items) + @($p.connection_user)
    $allowed = @($mech.builtin_allowed) + $names + @($names | ForEach-Object { "*\$_" })
    $group = Get-LocalGroup -SID $mech.group_sid
    $members = @(Get-LocalGroupMember -Group $group)
    foreach ($m in $members) {
        if (Test-Match $m.Name $allowed) { continue }
        $f.evidence += "$($m.Name) is in the local Administrators group"
        $f.actions += @{ description = "remove $($m.Name) from Administrators"; args = @($group, $m.SID)
            apply = { param($g, $sid) Remove-LocalGroupMember -Group $g -Member $sid -ErrorAction Stop } }
    }
    $diffBefore['Administrators'] = ($members.Name | Sort-Object) -join "`n"
    $diffAfter['Administrators'] = ($members.Name | Where-Object { Test-Match $_ $allowed } | Sort-Object) -join "`n"
    $f.message = if ($f.actions) { "$($f.actions.Count) unapproved administrator(s)" } else { 'no unapproved administrators' }
    $f
}

Function Get-LogonRight([string]$Right) {
    $inf = Join-Path $env:TEMP ("hisops-{0}.inf" -f [guid]::NewGuid())
    try {
        secedit.exe /export /areas USER_RIGHTS /cfg $inf /quiet | Out-Null
        $line = Get-Content -LiteralPath $inf | Where-Object { $_ -like "$Right *" }
        if (-not $line) { return @() }
        @(($line -split '=', 2)[1].Trim() -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    } finally { Remove-Item -LiteralPath $inf -ErrorAction SilentlyContinue }
}

Function Test-StaffOnly($mech) {
    $f = @{ evidence = @(); actions = @() }
    $names = @($p.department.login_group, $p.connection_user) + @($policy.login_always_allow)
    $want = @($mech.builtin_allowed)
    foreach ($n in $names) {
        $sid = Resolve-Sid $n
        if ($sid) { $want += "*$sid" } else { $f.evidence += "account $n not found (domain reachable?)" }
    }
    $want = @($want | Sort-Object -Unique)
    $have = @(Get-LogonRight $mech.right | Sort-Object -Unique)
    if (($have -join ',') -ne ($want -join ',')) {
        $f.evidence += "$($mech.right) is '$($have -join ',')', must be '$($want -join ',')'"
        $diffBefore[$mech.right] = $have -join "`n"; $diffAfter[$mech.right] = $want -join "`n"
        $f.actions += @{ description = "set $($mech.right) to the department group and the always-allowed accounts"
            args = @($mech.right, ($want -join ','))
            apply = {
                param($right, $value)
                $inf = Join-Path $env:TEMP ("hisops-{0}.inf" -f [guid]::NewGuid())
                $db = Join-Path $env:TEMP ("hisops-{0}.sdb" -f [guid]::NewGuid())
                Set-Content -LiteralPath $inf -Encoding Unicode -Value @(
                    '[Unicode]', 'Unicode=yes', '[Version]', 'signature="$CHICAGO$"', 'Revision=1', '[Privilege Rights]', "$right = $value")
                secedit.exe /configure /db $db /cfg $inf /areas USER_RIGHTS /quiet | Out-Null
                $rc = $LASTEXITCODE
                Remove-Item -LiteralPath $inf, $db -ErrorAction SilentlyContinue
                if ($rc -ne 0) { throw "secedit /configure failed (rc=$rc)" }
            } }
    }
    $f.message = if ($f.actions) { "login not limited to $($p.department.login_group)" } else { "login limited to $($p.department.login_group)" }
    $f
}

Function Test-Power($mech) {
    $f = @{ evidence = @(); actions = @(); exempt = $false }
    $task = Get-ScheduledTask -TaskName $mech.task_name -ErrorAction SilentlyContinue
    if ($p.clinical_24h) {
        $f.evidence += '24-hour clinical station (hisops_clinical_24h): no after-hours shutdown'
        if ($task) {
            $f.actions += @{ description = "remove scheduled task $($mech.task_name)"; args = @($mech.task_name)
                apply = { param($n) Unregister-ScheduledTask -TaskName $n -Confirm:$false } }
            $f.message = 'a 24-hour clinical station has an after-hours shutdown'
        } else { $f.exempt = $true; $f.message = '24-hour clinical station: after-hours shutdown does not apply' }
        return $f
    }
    $at = [datetime]::ParseExact($policy.shutdown_time, 'HH:mm', $null)
    $ok = $task -and $task.State -ne 'Disabled' -and
        ($task.Triggers | Where-Object { $_.StartBoundary -and ([datetime]$_.StartBoundary).ToString('HH:mm') -eq $policy.shutdown_time }) -and
        ($task.Actions | Where-Object { $_.Execute -eq $mech.command -and $_.Arguments -eq $mech.arguments })
    if (-not $ok) {
        $f.evidence += "scheduled task $($mech.task_name) at $($policy.shutdown_time) missing or different"
        $diffBefore[$mech.task_name] = if ($task) { 'present, different' } else { '' }
        $diffAfter[$mech.task_name] = "daily $($policy.shutdown_time): $($mech.command) $($mech.arguments)"
        $f.actions += @{ description = "register scheduled task $($mech.task_name) daily at $($policy.shutdown_time)"
            args = @($mech, $at)
            apply = {
                param($m, $time)
                $action = New-ScheduledTaskAction -Execute $m.command -Argument $m.arguments
                $trigger = New-ScheduledTaskTrigger -Daily -At $time
                $principal = New-ScheduledTaskPrincipal -UserId 'S-1-5-18' -LogonType ServiceAccount -RunLevel Highest
                Register-ScheduledTask -TaskName $m.task_name -Action $action -Trigger $trigger -Principal $principal -Force | Out-Null
            } }
    }
    $f.message = if ($f.actions) { 'no after-hours shutdown' } else { "shutdown at $($policy.shutdown_time)" }
    $f
}

Function Get-LastUpdateSuccess($mech) {
    # the newest successful installation in Windows Update's history (Operation 1 = installation,
    # ResultCode 2 = succeeded), else the newest hotfix; $null when neither is found
    try {
        $searcher = (New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher()
        $count = [Math]::Min([int]$searcher.GetTotalHistoryCount(), [int]$mech.history_entries)
        if ($count -gt 0) {
            $last = @($searcher.QueryHistory(0, $count) | Where-Object { $_.Operation -eq 1 -and $_.ResultCode -eq 2 } |
                Sort-Object Date -Descending | Select-Object -First 1)
            if ($last.Count -gt 0) { return $last[0].Date.ToString('yyyy-MM-dd') }
        }
    } catch { $module.Warn("Windows Update history unreadable: $($_.Exception.Message)") }
    $hotfix = @(Get-HotFix | Where-Object { $_.InstalledOn } | Sort-Object InstalledOn -Descending | Select-Object -First 1)
    if ($hotfix.Count -gt 0) { return $hotfix[0].InstalledOn.ToString('yyyy-MM-dd') }
    return $null
}

Function Test-Updates($mech) {
    # the policy (registry); the age of the last installation is judged by the action plugin
    $f = Test-Registry $mech 'automatic updates'
    $module.Result.hisops_windows_last_update = Get-LastUpdateSuccess $mech
    $f
}

Function Invoke-Check([string]$Id, $mech, $items) {
    switch ($Id) {
        'HIM-5.4-games' { Test-Games $mech $items }
        'HIM-7.4-software' { Test-Software $mech $items }
        'HIM-7.4-storage' { Test-Registry $mech 'USB storage block' }
        'HIM-7.1-screenlock' { Test-Registry $mech "screen lock after $($policy.screenlock_minutes) min" }
        'HIM-7.1-settings' { Test-Registry $mech 'settings lockdown' }
        'HIM-5.5-admins' { Test-Admins $mech $items }
        'HIM-5.1-staff-only' { Test-StaffOnly $mech }
        'HIM-6.5-power' { Test-Power $mech }
        'HIM-7.7-updates' { Test-Updates $mech }
        default { throw "no Windows check for control $Id" }
    }
}

# ---- main: every control sent (the role sends the selected ones, in catalog order) -------
$records = @()
foreach ($control in @($p.controls)) {
    $id = [string]$control.id
    $severity = if ($control.severity) { [string]$control.severity } else { 'medium' }
    try {
        $mech = $control.mechanism
        $exc = Get-ControlException $id
        $items = @($exc.active | ForEach-Object { $_.items } | Where-Object { $_ })
        $whole = @($exc.active | Where-Object { -not $_.items })
        $expired = @($exc.expired | ForEach-Object { (Format-Exception $_) + ' EXPIRED' })
        $f = Invoke-Check $id $mech $items
        $changes = @($f.actions | ForEach-Object { $_.description })
        if ($whole.Count -gt 0 -and $expired.Count -eq 0) {
            $records += New-Result $id 'exempt' $severity (@($whole | ForEach-Object { Format-Exception $_ }) + $f.evidence) @() "exempt: $($f.message)"
            continue
        }
        # a violation is something to fix, or something found that can only be reported
        $violation = ($f.actions.Count -gt 0) -or [bool]$f.report_only
        if (-not $violation) {
            $status = if ($expired) { 'fail' } elseif ($f.exempt -or ($f.evidence | Where-Object { $_ -like 'allowed by exception*' })) { 'exempt' } else { 'pass' }
            $records += New-Result $id $status $severity ($expired + $f.evidence) @() $f.message
            continue
        }
        if (-not $enforce -or $f.actions.Count -eq 0) {
            $records += New-Result $id 'fail' $severity ($expired + $f.evidence) $changes $f.message
            continue
        }
        foreach ($a in $f.actions) {
            $actionArgs = @($a.args)
            & $a.apply @actionArgs
        }
        $again = Invoke-Check $id $mech $items
        if ($again.actions.Count -gt 0) {
            $records += New-Result $id 'error' $severity ($f.evidence + $again.evidence) $changes "still violated after the fix: $($again.message)"
        } else {
            $status = if ($expired -or $again.report_only) { 'fail' } else { 'fixed' }
            $records += New-Result $id $status $severity ($expired + $f.evidence) $changes $f.message
        }
    } catch {
        $records += New-Result $id 'error' $severity @() @() "$($_.Exception.GetType().Name): $($_.Exception.Message)"
    }
}

$summary = [ordered]@{ pass = 0; fail = 0; fixed = 0; exempt = 0; error = 0 }
foreach ($r in $records) { $summary[$r.status] += 1 }
$module.Result.hisops_controls = $records
$module.Result.summary = $summary
$module.Result.changed = ($summary.fixed -gt 0) -or ($module.CheckMode -and $p.enforce -and $diffAfter.Count -gt 0)
if ($diffAfter.Count -gt 0) {
    $module.Diff.before = $diffBefore
    $module.Diff.after = $diffAfter
}
$module.ExitJson()
