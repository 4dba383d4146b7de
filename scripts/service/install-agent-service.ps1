# Installs the RenderFarm agent as a Windows service (run in an elevated PowerShell, in the published folder).
#   .\install-agent-service.ps1 -Coordinator https://farm-coordinator:7400 -Token <enrollment token> -MediaRoot 'media=\\nas\media'
param(
    [Parameter(Mandatory = $true)][string]$Coordinator,
    [string]$Token = "",
    [string]$MediaRoot = "media=\\nas\media",
    [string]$Name = "RenderFarm Agent"
)
$ErrorActionPreference = "Stop"
$exe = Join-Path $PSScriptRoot "renderfarm-agent.exe"
$root, $folder = $MediaRoot.Split("=", 2)
$arguments = "--Agent:Coordinator=$Coordinator --Agent:MediaRoots:$root=`"$folder`""
if ($Token) { $arguments += " --Agent:EnrollmentToken=$Token" }
New-Service -Name "RenderFarmAgent" -DisplayName $Name -BinaryPathName "`"$exe`" $arguments" -StartupType Automatic `
    -Description "Renders RenderFarm tasks with ffmpeg (docs/agent-services.md)"
# Restart after a crash, not after a wrong setting (exit code 2 shows in the Application event log).
sc.exe failure RenderFarmAgent reset= 86400 actions= restart/10000/restart/60000 | Out-Null
# Start once the network and the mounts are up.
sc.exe config RenderFarmAgent start= delayed-auto | Out-Null
Start-Service RenderFarmAgent
Get-Service RenderFarmAgent
