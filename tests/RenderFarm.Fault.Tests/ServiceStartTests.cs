using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>
/// The two services as an IT person meets them, through the real binaries: <c>--help</c> prints usage and starts
/// nothing; a setting that is wrong ends the service with one line naming it, exit code 2 and no stack trace.
/// </summary>
public sealed class ServiceStartTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new("service-start");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("agent")]
    [InlineData("coordinator")]
    public async Task Help_PrintsUsageAndMainSettings_ExitsZeroAndCreatesNoFile(string service)
    {
        var binaryFolder = Path.GetDirectoryName(Dll(service))!;
        var before = Directory.GetFileSystemEntries(binaryFolder).Order().ToList();

        var result = await RunAsync(service, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"usage: renderfarm-{service}", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(service == "agent" ? "Agent:SETTING" : "Coordinator:DataDirectory", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("DataDirectory", result.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
        Assert.Equal(before, Directory.GetFileSystemEntries(binaryFolder).Order().ToList());
    }

    [Fact]
    public async Task Agent_CoordinatorWithoutScheme_OneLineNamingTheSetting_Exit2()
    {
        Directory.CreateDirectory(_dir.File("media"));

        var result = await RunAsync("agent", "--Agent:Coordinator=localhost:17400", $"--Agent:DataDirectory={_dir.File("data")}");

        AssertOneLine(result, "Agent:Coordinator: 'localhost:17400' is not an http:// or https:// URL");
    }

    [Fact]
    public async Task Coordinator_RetriesOutOfRange_OneLineNamingTheSetting_Exit2()
    {
        Directory.CreateDirectory(_dir.File("media"));

        var result = await RunAsync("coordinator", "--Coordinator:DefaultMaxRetries=50", $"--Coordinator:DataDirectory={_dir.File("data")}");

        AssertOneLine(result, "Coordinator:DefaultMaxRetries: must be between 0 and 10");
    }

    [Fact]
    public async Task Coordinator_PortInUse_OneLineNamingTheEndpoint_Exit2()
    {
        Directory.CreateDirectory(_dir.File("media"));
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var result = await RunAsync("coordinator", $"--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:{port}",
            $"--Kestrel:Endpoints:Metrics:Url=http://127.0.0.1:{FreePort.Next()}", $"--Coordinator:DataDirectory={_dir.File("data")}");

        AssertOneLine(result, $"Kestrel:Endpoints:Grpc:Url: http://127.0.0.1:{port}: the port is already in use");
    }

    [Theory]
    [InlineData("agent", "Agent")]
    [InlineData("coordinator", "Coordinator")]
    public async Task ConfiguredMediaRoot_ReplacesTheDefault_AndAMissingOneIsReported(string service, string section)
    {
        // No ./media here: were the shipped default kept beside the configured root, it would be reported too.
        var missing = _dir.File("no-such-footage");

        var result = await RunAsync(service, $"--{section}:MediaRoots:footage={missing}", $"--{section}:DataDirectory={_dir.File("data")}");

        AssertOneLine(result, $"{section}:MediaRoots:footage: the folder {missing} does not exist");
        Assert.DoesNotContain("MediaRoots:media", result.StandardError, StringComparison.Ordinal);
    }

    private static void AssertOneLine(ProcessRunner.Result result, string expected)
    {
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    private static string Dll(string service) => service == "agent" ? BuildLayout.AgentDll : BuildLayout.CoordinatorDll;

    /// <summary>Runs the service in the test's empty folder and waits for it to end.</summary>
    private async Task<ProcessRunner.Result> RunAsync(string service, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir.Path, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Dll(service));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"renderfarm-{service} {string.Join(' ', arguments)} did not exit within {Deadline}");
        }

        return new ProcessRunner.Result(process.ExitCode, await stdout, await stderr);
    }
}
