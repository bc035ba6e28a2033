using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Coordinators.Actors.Transport;

/// <summary>TLS client settings from PEM files: a private CA and an optional client certificate.</summary>
internal static class TlsSettings
{
    public static SslClientAuthenticationOptions Create(string? caFile, string? clientCertFile, string? clientKeyFile)
    {
        var options = new SslClientAuthenticationOptions();
        if (clientCertFile is not null)
        {
            options.ClientCertificates = [X509Certificate2.CreateFromPemFile(clientCertFile, clientKeyFile)];
        }
        if (caFile is not null)
        {
            // CreateFromPem(text) reads the certificate only; CreateFromPemFile(path) would look for a key too.
            var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
            options.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }
                return ChainsTo(certificate, ca);
            };
        }
        return options;
    }

    /// <summary>True when <paramref name="certificate"/> chains to <paramref name="ca"/> alone (a private CA, no revocation lists).</summary>
    public static bool ChainsTo(X509Certificate certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
