using System.Diagnostics;

namespace Coordinators.Tests.Fixtures;

/// <summary>A throw-away CA with a server certificate for 127.0.0.1 and a client certificate, made by openssl.</summary>
public sealed record EtcdCertificates(string CaFile, string ServerCertFile, string ServerKeyFile, string ClientCertFile, string ClientKeyFile)
{
    /// <summary>Creates the files under <paramref name="directory"/>.</summary>
    public static async Task<EtcdCertificates> CreateAsync(string directory, string clientCommonName)
    {
        Directory.CreateDirectory(directory);
        string P(string f) => Path.Combine(directory, f);
        // EC keys: generated in milliseconds, and both Go and .NET accept them.
        string[] ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        await OpenSslAsync(["req", "-x509", .. ecKey, "-keyout", P("ca.key"), "-out", P("ca.crt"), "-days", "3", "-subj", "/CN=coordinators-test-ca"]);
        await File.WriteAllTextAsync(P("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature\n");
        await File.WriteAllTextAsync(P("client.ext"), "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n");
        foreach (var (name, cn) in new[] { ("server", "127.0.0.1"), ("client", clientCommonName) })
        {
            await OpenSslAsync(["req", .. ecKey, "-keyout", P(name + ".key"), "-out", P(name + ".csr"), "-subj", "/CN=" + cn]);
            await OpenSslAsync(["x509", "-req", "-in", P(name + ".csr"), "-CA", P("ca.crt"), "-CAkey", P("ca.key"), "-CAcreateserial",
                "-out", P(name + ".crt"), "-days", "3", "-extfile", P(name + ".ext")]);
        }
        return new EtcdCertificates(P("ca.crt"), P("server.crt"), P("server.key"), P("client.crt"), P("client.key"));
    }

    private static async Task OpenSslAsync(string[] args)
    {
        var psi = new ProcessStartInfo("openssl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed: {await stderr}");
        }
    }
}
