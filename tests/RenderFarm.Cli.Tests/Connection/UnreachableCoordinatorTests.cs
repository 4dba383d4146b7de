using System.Net;
using System.Net.Sockets;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;

namespace RenderFarm.Cli.Tests.Connection;

/// <summary>Real channels to a closed loopback port: the error names the address and how to change it.</summary>
public sealed class UnreachableCoordinatorTests
{
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<FarmctlResult> RunAsync(string? variable, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exitCode = await FarmctlApp.RunAsync(args, new FarmctlEnvironment
        {
            Out = stdout,
            Error = stderr,
            GetEnvironmentVariable = name => name == "RENDERFARM_COORDINATOR" ? variable : null,
        });
        return new FarmctlResult(exitCode, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Jobs_ClosedPortFromOption_ExitCode4NamesAddressAndHowToSetIt()
    {
        var port = ClosedPort();

        var result = await RunAsync(null, "jobs", "--coordinator", $"http://127.0.0.1:{port}");

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.StartsWith("error: Unavailable: ", result.Error);
        Assert.Contains($"could not reach the coordinator at http://127.0.0.1:{port}/ (from --coordinator)", result.Error);
        Assert.Contains("--coordinator URL or $RENDERFARM_COORDINATOR", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task SubmitWaitJson_ClosedPortFromVariable_ExitCode4AndStdoutStaysEmpty()
    {
        var port = ClosedPort();

        var result = await RunAsync($"http://127.0.0.1:{port}", "submit", "transcode", "a.mov", "b.mov", "--preset", "prores-hq", "--wait", "--json");

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.Contains($"http://127.0.0.1:{port}/ (from $RENDERFARM_COORDINATOR)", result.Error);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task Stats_BadCoordinatorUrl_UsageErrorWithoutCalling()
    {
        var result = await RunAsync("localhost:7400", "stats");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("'localhost:7400' (from $RENDERFARM_COORDINATOR) is not an http:// or https:// URL", result.Error);
    }
}
