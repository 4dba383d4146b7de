using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;

namespace RenderFarm.Cli.Tests.Connection;

/// <summary>
/// farmctl against a real TLS endpoint (a loopback listener with a certificate no CA here vouches for): without the
/// studio CA, and over http://, the error says what is wrong and which setting fixes it.
/// </summary>
public sealed class TlsMistakesTests : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2 _certificate;
    private readonly Task _serving;

    public TlsMistakesTests()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        _certificate = X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
        _listener.Start();
        _serving = ServeAsync();
    }

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (client)
                await using (var tls = new SslStream(client.GetStream()))
                {
                    try
                    {
                        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                        {
                            ServerCertificate = _certificate,
                            ApplicationProtocols = [SslApplicationProtocol.Http2],
                        }, _stop.Token);
                    }
                    catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
                    {
                    }
                }
            });
        }
    }

    private static async Task<FarmctlResult> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exitCode = await FarmctlApp.RunAsync(args, new FarmctlEnvironment { Out = stdout, Error = stderr, GetEnvironmentVariable = _ => null });
        return new FarmctlResult(exitCode, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Jobs_HttpsWithoutTheStudioCa_SaysTheCertificateIsNotTrustedAndNamesTheSetting()
    {
        var result = await RunAsync("jobs", "--coordinator", $"https://localhost:{Port}");

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.Contains("TLS certificate is not trusted here", result.Error);
        Assert.Contains("$RENDERFARM_CA_FILE=", result.Error);
        Assert.DoesNotContain("Check that it is running", result.Error);
    }

    [Fact]
    public async Task Jobs_HttpToATlsPort_SaysToUseHttps()
    {
        var result = await RunAsync("jobs", "--coordinator", $"http://127.0.0.1:{Port}");

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.Contains("did not answer plain HTTP/2 (http://). If it serves TLS, use https://", result.Error);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serving;
        _certificate.Dispose();
        _stop.Dispose();
    }
}
