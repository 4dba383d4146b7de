using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Health.V1;
using Grpc.Net.Client;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Support;

/// <summary>
/// The built coordinator as a real process on loopback ports, with its own data and media folders; killed
/// and cleaned up on dispose. Its output is kept for failure messages.
/// </summary>
public sealed class CoordinatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private CoordinatorProcess(string root, int grpcPort, int metricsPort, IEnumerable<string> extraArguments)
    {
        Root = root;
        GrpcAddress = $"http://127.0.0.1:{grpcPort}";
        MetricsAddress = $"http://127.0.0.1:{metricsPort}";
        Directory.CreateDirectory(MediaDir);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            RepoPaths.CoordinatorDll,
            $"--Kestrel:Endpoints:Grpc:Url={GrpcAddress}",
            $"--Kestrel:Endpoints:Metrics:Url={MetricsAddress}",
            $"--Coordinator:DataDirectory={Path.Combine(root, "data")}",
            $"--Coordinator:MediaRoots:media={MediaDir}",
        }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in Credentials.CoordinatorEnvironment) start.Environment[name] = value;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Root { get; }

    /// <summary>The farm's enrollment token and operator key (given to the process through its environment).</summary>
    public FarmCredentials Credentials { get; } = new();

    /// <summary>A channel to the coordinator whose calls carry the operator key.</summary>
    public GrpcChannel CreateChannel() => Credentials.OperatorChannel(GrpcAddress);

    public string MediaDir => Path.Combine(Root, "media");

    /// <summary>gRPC (h2c).</summary>
    public string GrpcAddress { get; }

    /// <summary>HTTP/1.1 for Prometheus.</summary>
    public string MetricsAddress { get; }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts the coordinator and waits until its health service says SERVING.</summary>
    /// <param name="arguments">More command-line settings (<c>--Section:Key=value</c>); they override the defaults.</param>
    public static async Task<CoordinatorProcess> StartAsync(params string[] arguments)
    {
        if (!File.Exists(RepoPaths.CoordinatorDll))
        {
            throw new Xunit.Sdk.XunitException($"{RepoPaths.CoordinatorDll} is missing: build the coordinator in {RepoPaths.Configuration} first.");
        }

        var coordinator = new CoordinatorProcess(Directory.CreateTempSubdirectory("rf-process-").FullName, FreePort(), FreePort(), arguments);
        try
        {
            await coordinator.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
            return coordinator;
        }
        catch
        {
            await coordinator.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }

    private async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var channel = GrpcChannel.ForAddress(GrpcAddress);
        var health = new Health.HealthClient(channel);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) throw new Xunit.Sdk.XunitException($"the coordinator exited with {_process.ExitCode}:\n{Output}");
            try
            {
                var response = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (response.Status == HealthCheckResponse.Types.ServingStatus.Serving) return;
            }
            catch (Grpc.Core.RpcException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"the coordinator did not become SERVING within {timeout}:\n{Output}");
            await Task.Delay(200);
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
