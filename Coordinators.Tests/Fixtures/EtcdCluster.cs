using Coordinators.Actors.Etcd;
using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Coordinators.Tests.Fixtures;

/// <summary>
/// A real etcd (one member or several) on free loopback ports with a temp data dir.
/// Disposal kills every member and deletes the data; a process-exit hook kills whatever a crashed test left.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable, IDisposable
{
    /// <summary>Password of user root when <see cref="EtcdClusterOptions.EnableAuth"/> is set.</summary>
    public const string RootPassword = "root-pw";

    private readonly HttpClient _health;
    private int _disposed;

    private EtcdCluster(string root, EtcdClusterOptions options, IReadOnlyList<EtcdMember> members, EtcdCertificates? certificates)
    {
        Root = root;
        Options = options;
        Members = members;
        Certificates = certificates;
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(1) };
        if (certificates is not null)
        {
            var ca = X509Certificate2.CreateFromPem(File.ReadAllText(certificates.CaFile));
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [X509Certificate2.CreateFromPemFile(certificates.ClientCertFile, certificates.ClientKeyFile)],
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && Coordinators.Actors.Transport.TlsSettings.ChainsTo(cert, ca),
            };
        }
        _health = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
    }

    /// <summary>Temp folder holding every member's data and the certificates.</summary>
    public string Root { get; }

    /// <summary>The options the cluster was started with.</summary>
    public EtcdClusterOptions Options { get; }

    /// <summary>The members, index 0..N-1.</summary>
    public IReadOnlyList<EtcdMember> Members { get; }

    /// <summary>Certificates when TLS is on, else null.</summary>
    public EtcdCertificates? Certificates { get; }

    /// <summary>Client URLs of all members, in member order.</summary>
    public IReadOnlyList<string> ClientUrls => Members.Select(m => m.ClientUrl).ToArray();

    /// <summary>Starts the cluster and waits until every member is healthy.</summary>
    public static async Task<EtcdCluster> StartAsync(EtcdClusterOptions? options = null)
    {
        options ??= new EtcdClusterOptions();
        var root = Path.Combine(Path.GetTempPath(), "coordinators-etcd-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        EtcdCluster? cluster = null;
        try
        {
            var certs = options.Tls ? await EtcdCertificates.CreateAsync(Path.Combine(root, "certs"), options.ClientCertCommonName) : null;
            var scheme = options.Tls ? "https" : "http";
            var names = Enumerable.Range(1, options.Members).Select(i => "m" + i).ToArray();
            var clientPorts = names.Select(_ => LoopbackPorts.Next()).ToArray();
            var peerPorts = names.Select(_ => LoopbackPorts.Next()).ToArray();
            var initialCluster = string.Join(',', names.Select((n, i) => $"{n}=http://127.0.0.1:{peerPorts[i]}"));
            var token = "t-" + Path.GetFileName(root);
            var members = new List<EtcdMember>();
            for (var i = 0; i < names.Length; i++)
            {
                var dir = Path.Combine(root, names[i]);
                var clientUrl = $"{scheme}://127.0.0.1:{clientPorts[i]}";
                var peerUrl = $"http://127.0.0.1:{peerPorts[i]}";
                var args = EtcdProcess.MemberArguments(names[i], Path.Combine(dir, "data"), clientUrl, peerUrl, initialCluster, token);
                if (certs is not null)
                {
                    args.AddRange(["--cert-file", certs.ServerCertFile, "--key-file", certs.ServerKeyFile, "--trusted-ca-file", certs.CaFile]);
                    if (options.ClientCertAuth)
                    {
                        args.Add("--client-cert-auth");
                    }
                }
                args.AddRange(options.ExtraArgs);
                members.Add(new EtcdMember(names[i], dir, clientUrl, peerPorts[i], args));
            }
            cluster = new EtcdCluster(root, options, members, certs);
            foreach (var m in members)
            {
                m.Start();
            }
            foreach (var m in members)
            {
                await cluster.WaitHealthyAsync(m);
            }
            if (options.EnableAuth)
            {
                await cluster.EtcdctlAsync("user", "add", "root:" + RootPassword);
                await cluster.EtcdctlAsync("user", "grant-role", "root", "root");
                await cluster.EtcdctlAsync("auth", "enable");
            }
            return cluster;
        }
        catch
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
            else
            {
                EtcdProcess.TryDeleteDirectory(root);
            }
            throw;
        }
    }

    /// <summary>Starts a single member.</summary>
    public static Task<EtcdCluster> StartSingleAsync() => StartAsync(new EtcdClusterOptions { Members = 1 });

    /// <summary>Starts three members.</summary>
    public static Task<EtcdCluster> StartThreeAsync() => StartAsync(new EtcdClusterOptions { Members = 3 });

    /// <summary>SIGKILL of member <paramref name="index"/>.</summary>
    public void Kill(int index) => Members[index].Kill();

    /// <summary>Starts a killed member again on the same data dir and waits until it is healthy.</summary>
    public async Task RestartAsync(int index)
    {
        Members[index].Kill();
        Members[index].Start();
        await WaitHealthyAsync(Members[index]);
    }

    /// <summary>The index of the member that reports itself the raft leader, asked through <paramref name="client"/>.</summary>
    public async Task<int> LeaderIndexAsync(EtcdClient client)
    {
        for (var i = 0; i < ClientUrls.Count; i++)
        {
            var status = await client.StatusAsync(ClientUrls[i]);
            if (status.Header.MemberId == status.Leader)
            {
                return i;
            }
        }
        throw new InvalidOperationException("no member reports itself the leader");
    }

    /// <summary>SIGSTOP of member <paramref name="index"/>.</summary>
    public void Pause(int index) => Members[index].Pause();

    /// <summary>SIGCONT of member <paramref name="index"/>.</summary>
    public void Resume(int index) => Members[index].Resume();

    /// <summary>GET /health of one member: true only for {"health":"true"} within two seconds.</summary>
    public async Task<bool> IsHealthyAsync(int index, CancellationToken cancellationToken = default)
    {
        try
        {
            var body = await _health.GetStringAsync(Members[index].ClientUrl + "/health", cancellationToken);
            return body.Contains("\"health\":\"true\"", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>Waits until member <paramref name="index"/> reports healthy.</summary>
    public Task WaitHealthyAsync(int index) => WaitHealthyAsync(Members[index]);

    private async Task WaitHealthyAsync(EtcdMember member)
    {
        var index = Members.ToList().IndexOf(member);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < Options.StartTimeout)
        {
            if (!member.IsRunning)
            {
                throw new InvalidOperationException($"etcd member {member.Name} exited while starting; log tail:\n{member.LogTail()}");
            }
            if (await IsHealthyAsync(index))
            {
                return;
            }
            await Task.Delay(50); // polling a process we do not control; no event exists to wait on
        }
        throw new TimeoutException($"etcd member {member.Name} not healthy after {Options.StartTimeout}; log tail:\n{member.LogTail()}");
    }

    /// <summary>Adds <paramref name="user"/> with a role that may read and write only under <paramref name="prefix"/>.</summary>
    public async Task AddPrefixUserAsync(string user, string password, string prefix)
    {
        await EtcdctlAsync("role", "add", user + "-role");
        await EtcdctlAsync("role", "grant-permission", user + "-role", "--prefix=true", "readwrite", prefix);
        await EtcdctlAsync("user", "add", user + ":" + password);
        await EtcdctlAsync("user", "grant-role", user, user + "-role");
    }

    /// <summary>Runs etcdctl (API v3) against all running members, as root when auth is on; throws on a non-zero exit.</summary>
    public async Task<string> EtcdctlAsync(params string[] args)
    {
        var (code, output) = await TryEtcdctlAsync(args);
        if (code != 0)
        {
            throw new InvalidOperationException($"etcdctl {string.Join(' ', args)} exited {code}: {output}");
        }
        return output;
    }

    /// <summary>Runs etcdctl and returns its exit code and combined output.</summary>
    public async Task<(int ExitCode, string Output)> TryEtcdctlAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/etcdctl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["ETCDCTL_API"] = "3";
        var running = Members.Where(m => m.IsRunning).Select(m => m.ClientUrl);
        psi.ArgumentList.Add("--endpoints=" + string.Join(',', running));
        psi.ArgumentList.Add("--command-timeout=10s");
        if (Certificates is not null)
        {
            psi.ArgumentList.Add("--cacert=" + Certificates.CaFile);
            psi.ArgumentList.Add("--cert=" + Certificates.ClientCertFile);
            psi.ArgumentList.Add("--key=" + Certificates.ClientKeyFile);
        }
        if (Options.EnableAuth && !args.Any(a => a.StartsWith("--user", StringComparison.Ordinal)))
        {
            psi.ArgumentList.Add("--user=root:" + RootPassword);
        }
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            throw new TimeoutException($"etcdctl {string.Join(' ', args)} did not finish in 30 s");
        }
        return (p.ExitCode, (await stdout) + (await stderr));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        foreach (var m in Members)
        {
            m.Dispose();
        }
        _health.Dispose();
        EtcdProcess.TryDeleteDirectory(Root);
    }
}
