using Microsoft.Extensions.Configuration;
using RenderFarm.Coordinator.Security;

namespace RenderFarm.Coordinator.Tests.Security;

/// <summary>Plain h2c only on loopback; anywhere else needs TLS or the explicit opt-in.</summary>
public sealed class TransportPolicyTests
{
    [Theory]
    [InlineData("http://0.0.0.0:7400")]
    [InlineData("http://farm-coordinator:7400")]
    [InlineData("http://[::]:7400")]
    public void PlainHttpBeyondLoopback_WithoutOptIn_RefusesToStartSayingHowToTurnOnTls(string url)
    {
        var configuration = Configuration(url);

        var ex = Assert.Throws<InvalidOperationException>(() => TransportPolicy.Check(configuration, new SecurityOptions()));

        Assert.Contains(url, ex.Message);
        Assert.Contains("Certificate:Path", ex.Message);
        Assert.Contains("AllowInsecureNetwork", ex.Message);
        Assert.Equal([url], TransportPolicy.Check(configuration, new SecurityOptions { AllowInsecureNetwork = true }));
    }

    [Theory]
    [InlineData("http://127.0.0.1:7400")]
    [InlineData("http://localhost:7400")]
    [InlineData("http://[::1]:7400")]
    [InlineData("https://0.0.0.0:7400")]
    public void LoopbackOrTls_Allowed(string url) =>
        Assert.Empty(TransportPolicy.Check(Configuration(url), new SecurityOptions()));

    private static IConfiguration Configuration(string url) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Kestrel:Endpoints:Grpc:Url"] = url }).Build();
}
