#!/usr/bin/env pwsh
# Verbs: setup | build | test | demo | bench — the same as build.sh, for PowerShell users.
param(
    [Parameter(Position = 0)][ValidateSet('setup', 'build', 'test', 'demo', 'bench')][string]$Verb = 'test',
    [Parameter(Position = 1, ValueFromRemainingArguments = $true)][string[]]$Rest = @()
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$Config = if ($env:CONFIGURATION) { $env:CONFIGURATION } else { 'Release' }

function Invoke-Checked([string]$File, [string[]]$Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Setup {
    $etcd = Get-Command etcd -ErrorAction SilentlyContinue
    $etcdctl = Get-Command etcdctl -ErrorAction SilentlyContinue
    if (-not $etcd -or -not $etcdctl) {
        Write-Error ("etcd and etcdctl must be on PATH for the tests and the demo. " +
            "Debian/Ubuntu: sudo apt-get install -y etcd-server etcd-client; " +
            "other systems: download etcd v3.4+ from https://github.com/etcd-io/etcd/releases and put etcd and etcdctl on PATH.")
        exit 1
    }
    if ((Test-Path interop/package.json) -and -not (Test-Path interop/node_modules/@grpc/grpc-js)) {
        if (-not (Get-Command npm -ErrorAction SilentlyContinue)) {
            Write-Error "npm is missing: the gRPC interop tests need Node.js and npm (https://nodejs.org)."
            exit 1
        }
        Write-Host '==> installing the grpc-js interop peer (npm)'
        Push-Location interop
        try { Invoke-Checked npm @('install', '--no-audit', '--no-fund', '--loglevel=error') } finally { Pop-Location }
    }
    Write-Host '==> restoring NuGet packages'
    Invoke-Checked dotnet @('restore', 'Coordinators.sln', '--verbosity', 'quiet')
}

function Invoke-Build {
    Write-Host "==> building ($Config)"
    Invoke-Checked dotnet @('build', 'Coordinators.sln', '-c', $Config, '--no-restore', '--nologo', '--verbosity', 'quiet')
}

switch ($Verb) {
    'setup' { Invoke-Setup }
    'build' { Invoke-Setup; Invoke-Build }
    'test' {
        Invoke-Setup; Invoke-Build
        Write-Host '==> running the test suite'
        Invoke-Checked dotnet (@('test', 'Coordinators.Tests/Coordinators.Tests.csproj', '-c', $Config, '--no-build', '--nologo',
                '--blame-hang-timeout', '5m', '--logger', 'console;verbosity=normal') + $Rest)
    }
    'demo' {
        Invoke-Setup; Invoke-Build
        Invoke-Checked dotnet (@("Coordinators.Host/bin/$Config/net10.0/coordinators.dll", 'demo') + $Rest)
    }
    'bench' {
        Invoke-Setup; Invoke-Build
        $suite = if ($Rest.Count -gt 0) { $Rest } else { @('all') }
        Invoke-Checked dotnet (@("Coordinators.Benchmarks/bin/$Config/net10.0/Coordinators.Benchmarks.dll") + $suite)
    }
}
