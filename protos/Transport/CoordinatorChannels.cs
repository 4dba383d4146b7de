using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace RenderFarm.Protos.Transport;

/// <summary>
/// Channels to the coordinator for agents and farmctl. An https address is verified against the system's
/// trusted roots, or only against <c>caFile</c> (a PEM CA certificate) when one is given, as for a studio's own CA.
/// </summary>
public static class CoordinatorChannels
{
    public static GrpcChannel Create(string address, string? caFile, GrpcChannelOptions? options = null)
    {
        if (!string.IsNullOrWhiteSpace(caFile) && !address.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"a CA file ({caFile}) is set but the coordinator address {address} is not https://");
        }

        return GrpcChannel.ForAddress(address, Verified(caFile, options ?? new GrpcChannelOptions()));
    }

    /// <summary>
    /// <paramref name="options"/> with its handler (made when missing) trusting only <paramref name="caFile"/>;
    /// unchanged when no CA file is given.
    /// </summary>
    public static GrpcChannelOptions Verified(string? caFile, GrpcChannelOptions options)
    {
        if (string.IsNullOrWhiteSpace(caFile)) return options;
        var handler = options.HttpHandler as SocketsHttpHandler ?? new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        handler.SslOptions.RemoteCertificateValidationCallback = TrustOnly(LoadCa(caFile));
        options.HttpHandler = handler;
        options.DisposeHttpClient = true;
        return options;
    }

    /// <summary>Reads a PEM (or DER) CA certificate, saying which file is wrong when it cannot.</summary>
    public static X509Certificate2 LoadCa(string caFile)
    {
        if (!File.Exists(caFile)) throw new FileNotFoundException($"the CA file {caFile} does not exist", caFile);
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(caFile);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new InvalidDataException($"the CA file {caFile} is not a PEM or DER certificate: {ex.Message}", ex);
        }
    }

    /// <summary>Accepts a server certificate only when it chains to <paramref name="ca"/> and names the host dialled.</summary>
    public static RemoteCertificateValidationCallback TrustOnly(X509Certificate2 ca) => (_, certificate, _, errors) =>
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    };
}
