"""Switch emulators written for hisops' tests (Huawei VRP, H3C Comware) and fixes to fake-switches' Cisco model."""
