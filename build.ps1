#!/usr/bin/env pwsh
# Verbs: setup | build | test | demo | bench, as in build.sh. Each verb runs the ones it needs first.
param(
    [Parameter(Position = 0)][string]$Verb = 'test',
    [Parameter(ValueFromRemainingArguments = $true)][string[]]$Rest = @()
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$Config = if ($env:CONFIGURATION) { $env:CONFIGURATION } else { 'Release' }

function Log([string]$Text) { Write-Host "==> $Text" -ForegroundColor White }

function Invoke-Checked([string]$File, [string[]]$Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Setup {
    if (-not (Test-Path /usr/bin/etcd) -or -not (Test-Path /usr/bin/etcdctl)) {
        Write-Error ("etcd is missing: /usr/bin/etcd and /usr/bin/etcdctl are needed by the tests and the demo.`n" +
            "Install them as root:  sudo apt-get update && sudo apt-get install -y etcd-server etcd-client")
        exit 1
    }
    if ((Test-Path interop/package.json) -and -not (Test-Path interop/node_modules/@grpc/grpc-js)) {
        Log 'installing the grpc-js interop peer (npm)'
        Push-Location interop
        try { Invoke-Checked npm @('install', '--no-audit', '--no-fund', '--loglevel=error') } finally { Pop-Location }
    }
    Log 'restoring NuGet packages'
    Invoke-Checked dotnet @('restore', 'Coordinators.sln', '--verbosity', 'quiet')
}

function Build {
    Log "building ($Config)"
    Invoke-Checked dotnet @('build', 'Coordinators.sln', '-c', $Config, '--no-restore', '--nologo', '-clp:NoSummary', '--verbosity', 'quiet')
}

function Host-Run([string[]]$Arguments) {
    & dotnet "Coordinators.Host/bin/$Config/net10.0/coordinators.dll" @Arguments
    exit $LASTEXITCODE
}

switch ($Verb) {
    'setup' { Setup }
    'build' { Setup; Build }
    'test' {
        Setup; Build
        Log 'running the test suite'
        Invoke-Checked dotnet (@('test', 'Coordinators.Tests/Coordinators.Tests.csproj', '-c', $Config, '--no-build', '--nologo',
            '--blame-hang-timeout', '5m', '--logger', 'console;verbosity=normal') + $Rest)
    }
    'demo' { Setup; Build; Host-Run (@('demo') + $Rest) }
    'bench' {
        Setup; Build
        $suites = if ($Rest.Count -gt 0) { $Rest } else { @('all') }
        & dotnet "Coordinators.Benchmarks/bin/$Config/net10.0/Coordinators.Benchmarks.dll" @suites
        exit $LASTEXITCODE
    }
    default { Write-Error "unknown verb '$Verb': use setup | build | test | demo | bench"; exit 2 }
}
