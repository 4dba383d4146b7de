using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RenderFarm.Agent.Hosting;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Security;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.Transport;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Security;

/// <summary>
/// The coordinator on real Kestrel with a certificate from configuration, signed by a studio CA made here; agents and
/// clients verify it against that CA file. Plain h2c beyond loopback needs the explicit opt-in.
/// </summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly TempDir _dir = new("tls");
    private readonly FarmCredentials _credentials = new();
    private readonly List<IHost> _agents = [];
    private WebApplication _coordinator = null!;
    private string _address = null!;

    private string CaFile => _dir.File("studio-ca.pem");

    public async Task InitializeAsync()
    {
        WriteCertificates();
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = "https://127.0.0.1:0",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Metrics:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Metrics:Protocols"] = "Http1",
            ["Kestrel:Endpoints:Grpc:Certificate:Path"] = _dir.File("coordinator.pem"),
            ["Kestrel:Endpoints:Grpc:Certificate:KeyPath"] = _dir.File("coordinator.key"),
            ["Coordinator:DataDirectory"] = _dir.File("data"),
            ["Coordinator:MediaRoots:media"] = Directory.CreateDirectory(_dir.File("media")).FullName,
        });
        builder.Configuration.AddInMemoryCollection(_credentials.CoordinatorSettings);
        builder.Services.AddCoordinator(builder.Configuration);
        _coordinator = builder.Build();
        _coordinator.MapCoordinator();
        await _coordinator.StartAsync();
        _address = _coordinator.Urls.Single(u => u.StartsWith("https://", StringComparison.Ordinal)).Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.StopAsync(TimeSpan.FromSeconds(5));
            agent.Dispose();
        }

        await _coordinator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public async Task Client_WithStudioCaFile_VerifiesTheCoordinatorAndIsServed()
    {
        using var channel = CoordinatorChannels.Create(_address, CaFile);

        var agents = await new FarmService.FarmServiceClient(channel).ListAgentsAsync(new ListAgentsRequest(), FarmCredentials.Headers(_credentials.OperatorKey));

        Assert.Empty(agents.Agents);
    }

    [Fact]
    public async Task Client_WithoutTheCa_RefusesTheCertificate()
    {
        using var channel = GrpcChannel.ForAddress(_address);

        var ex = await Assert.ThrowsAsync<RpcException>(() => new FarmService.FarmServiceClient(channel).ListAgentsAsync(new ListAgentsRequest()).ResponseAsync);

        Assert.Contains(ex.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        Assert.Contains("SSL", ex.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Agent_OverTlsWithCaFile_EnrollsAndConnects()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agent:Name"] = "tls-agent",
            ["Agent:Coordinator"] = _address,
            ["Agent:CaFile"] = CaFile,
            ["Agent:MediaRoots:media"] = _dir.File("media"),
            ["Agent:LogDirectory"] = _dir.File("agent-logs"),
            ["Agent:RenderDirectory"] = _dir.File("agent-renders"),
        });
        builder.Configuration.AddInMemoryCollection(_credentials.AgentSettings(_dir.File("agent/credential")));
        builder.Services.AddAgent(builder.Configuration);
        var agent = builder.Build();
        _agents.Add(agent);
        await agent.StartAsync();

        using var channel = CoordinatorChannels.Create(_address, CaFile);
        var farm = new FarmService.FarmServiceClient(channel);
        await FarmHost.WaitUntilAsync(async () =>
            (await farm.ListAgentsAsync(new ListAgentsRequest(), FarmCredentials.Headers(_credentials.OperatorKey))).Agents.Any(a => a.Name == "tls-agent" && a.State != AgentState.Disconnected),
            TimeSpan.FromSeconds(30));
        Assert.True(File.Exists(_dir.File("agent/credential")));
    }

    /// <summary>A studio CA and a coordinator certificate for localhost and 127.0.0.1 signed by it, as PEM files.</summary>
    private void WriteCertificates()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Test Studio CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(8));

        File.WriteAllText(CaFile, ca.ExportCertificatePem());
        File.WriteAllText(_dir.File("coordinator.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(_dir.File("coordinator.key"), key.ExportPkcs8PrivateKeyPem());
    }
}
