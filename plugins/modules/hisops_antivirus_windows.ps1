#!powershell
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Check (and enforce) HIM-7.7-antivirus with Microsoft Defender on Windows 10/11 in one round trip.
# Documentation: hisops_antivirus_windows.py. Mechanism data: the catalog's HIM-7.7-antivirus platforms.windows.

#AnsibleRequires -CSharpUtil Ansible.Basic

$spec = @{
    options = @{
        mechanism = @{ type = 'dict'; required = $true }
        update_source = @{ type = 'str'; choices = @('share', 'wsus'); default = 'share' }
        share = @{ type = 'str'; default = '' }
        max_age_hours = @{ type = 'float'; default = 48 }
        scan_max_age_hours = @{ type = 'float'; default = 26 }
        enforce = @{ type = 'bool'; default = $false }
        severity = @{ type = 'str'; choices = @('low', 'medium', 'high', 'critical'); default = 'critical' }
    }
    required_if = @(, @('update_source', 'share', @('share')))
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$p = $module.Params
$enforce = $p.enforce -and -not $module.CheckMode
$source = $p.mechanism.update_sources[$p.update_source]  # FileShares | InternalDefinitionUpdateServer

Function Get-DefenderState($Status, $Scan, $Age, $Detected) {
    # The facts of the verdict under the result key 'antivirus', in the shape the Linux audit gives
    # (module_utils/antivirus.py state_facts): the recorder stores them in antivirus_states for the
    # report's antivirus section. Detections: those since the last scan began (found by it or by
    # real-time protection since), so that each is counted once over a period of audits.
    $since = @($Status.QuickScanStartTime, $Status.FullScanStartTime) | Where-Object { $_ } | Sort-Object -Descending | Select-Object -First 1
    $recent = @($Detected | Where-Object { -not $since -or $_.InitialDetectionTime -ge $since })
    [ordered]@{
        engine = "Defender $($Status.AMEngineVersion)"
        protection_on = [bool]($Status.AMServiceEnabled -and $Status.AntivirusEnabled -and $Status.RealTimeProtectionEnabled)
        signature_age_hours = $Age
        max_age_hours = $p.max_age_hours
        signature_version = [string]$Status.AntivirusSignatureVersion
        last_scan = if ($Scan) { @{ end = ([DateTimeOffset]$Scan).ToUnixTimeSeconds() } } else { $null }
        detections = @($recent | ForEach-Object { "$($_.Resources -join ', '): threat $($_.ThreatID)" })
        quarantined = @($recent | Where-Object { $_.ActionSuccess }).Count
    }
}

Function Get-DefenderFinding {
    $f = @{ evidence = @(); problems = @(); needs = @(); prefs = [ordered]@{}; age = $null; state = $null }
    $status = Get-MpComputerStatus
    $pref = Get-MpPreference
    $f.evidence += "engine: Defender $($status.AMEngineVersion), product $($status.AMProductVersion)"
    $f.evidence += "signatures: $($status.AntivirusSignatureVersion), updated $($status.AntivirusSignatureLastUpdated)"
    foreach ($flag in 'AMServiceEnabled', 'AntivirusEnabled', 'RealTimeProtectionEnabled') {
        $f.evidence += "${flag}: $($status.$flag)"
        if (-not $status.$flag) { $f.problems += "$flag is off"; $f.needs += 'prefs' }
    }
    foreach ($name in @($p.mechanism.preferences.Keys)) {
        $want = $p.mechanism.preferences[$name]
        if ([string]$pref.$name -ne [string]$want) {
            $f.problems += "$name is $($pref.$name), must be $want"; $f.prefs[$name] = $want
        }
    }
    $order = @($pref.SignatureFallbackOrder -split '\|' | Where-Object { $_ })
    if ($order -join '|' -ne $source) {
        $f.problems += "SignatureFallbackOrder is $($order -join '|'), must be $source only"; $f.prefs.SignatureFallbackOrder = $source
    }
    if ($p.update_source -eq 'share' -and [string]$pref.SignatureDefinitionUpdateFileSharesSources -ne $p.share) {
        $f.problems += "SignatureDefinitionUpdateFileSharesSources is $($pref.SignatureDefinitionUpdateFileSharesSources), must be $($p.share)"
        $f.prefs.SignatureDefinitionUpdateFileSharesSources = $p.share
    }
    if ($status.AntivirusSignatureLastUpdated) {
        $f.age = [math]::Round(((Get-Date) - $status.AntivirusSignatureLastUpdated).TotalHours, 2)
    }
    $f.evidence += "signature age: $(if ($null -eq $f.age) { 'unknown' } else { $f.age }) h, limit $($p.max_age_hours) h"
    if ($null -eq $f.age -or $f.age -gt $p.max_age_hours) { $f.problems += "signatures $($f.age) h old"; $f.needs += 'update' }
    $scan = @($status.QuickScanEndTime, $status.FullScanEndTime) | Where-Object { $_ } | Sort-Object -Descending | Select-Object -First 1
    $f.evidence += "last scan: $(if ($scan) { $scan } else { 'never' })"
    if (-not $scan -or ((Get-Date) - $scan).TotalHours -gt $p.scan_max_age_hours) { $f.problems += 'no scan within the period'; $f.needs += 'scan' }
    $detected = @(Get-MpThreatDetection -ErrorAction SilentlyContinue)
    $open = @($detected | Where-Object { -not $_.ActionSuccess })
    $f.state = Get-DefenderState $status $scan $f.age $detected
    foreach ($t in $open) { $f.evidence += "detection not handled: $($t.Resources -join ', ') (threat $($t.ThreatID))" }
    if ($open.Count -gt 0) { $f.problems += "$($open.Count) detection(s) not handled" }
    if ($f.prefs.Count -gt 0) { $f.needs += 'prefs' }
    $f
}

Function New-Record([string]$Status, $Evidence, $Changes, [string]$Message) {
    [ordered]@{
        id = 'HIM-7.7-antivirus'; status = $Status; severity = $p.severity
        evidence = @($Evidence | ForEach-Object { [string]$_ }); changes = @($Changes); message = $Message
    }
}

$state = $null
try {
    $f = Get-DefenderFinding
    $state = $f.state
    $changes = @()
    if ($f.prefs.Count -gt 0) { $changes += "Set-MpPreference " + (($f.prefs.Keys | ForEach-Object { "-$_ $($f.prefs[$_])" }) -join ' ') }
    if ($f.needs -contains 'update') { $changes += "Update-MpSignature -UpdateSource $source" }
    if ($f.needs -contains 'scan') { $changes += 'Start-MpScan -ScanType QuickScan' }
    if ($f.problems.Count -eq 0) {
        $record = New-Record 'pass' $f.evidence @() "Defender on, signatures $($f.age) h old"
    } elseif (-not $enforce -or $changes.Count -eq 0) {
        $record = New-Record 'fail' $f.evidence $changes ($f.problems -join '; ')
        $module.Result.changed = $module.CheckMode -and $p.enforce -and $changes.Count -gt 0
    } else {
        $prefs = @{}
        foreach ($k in $f.prefs.Keys) { $prefs[$k] = $f.prefs[$k] }
        if ($f.needs -contains 'prefs') { $prefs.DisableRealtimeMonitoring = $false }
        if ($prefs.Count -gt 0) { Set-MpPreference @prefs }
        if ($f.needs -contains 'update') { Update-MpSignature -UpdateSource $source }
        if ($f.needs -contains 'scan') { Start-MpScan -ScanType QuickScan }
        $again = Get-DefenderFinding
        $state = $again.state
        $status = if ($again.problems.Count -gt 0) { 'error' } else { 'fixed' }
        $message = if ($status -eq 'error') { "still violated after the fix: $($again.problems -join '; ')" } else { "fixed: $($f.problems -join '; ')" }
        $record = New-Record $status ($f.evidence + @('after the fix:') + $again.evidence) $changes $message
        $module.Result.changed = $true
    }
    if ($f.prefs.Count -gt 0) {
        $module.Diff.before = @{ defender = 'see evidence' }
        $module.Diff.after = $f.prefs
    }
} catch {
    $record = New-Record 'error' @() @() "$($_.Exception.GetType().Name): $($_.Exception.Message)"
}
$module.Result.hisops_controls = @($record)
if ($null -ne $state) { $module.Result.antivirus = $state }
if ($record.status -eq 'error') { $module.FailJson("HIM-7.7-antivirus: $($record.message)") }
$module.ExitJson()
