// Plays an agent in transfer mode against a running coordinator: says hello, submits a job on the input, takes
// the assignment, then times the agent's real BlobDownloader (the input, by hash) and OutputUploader (the same
// bytes sent back as the output, verified and published by the coordinator). Prints "assign <s>",
// "download <s> <cpu s of this process> <cpu s of the coordinator>" and the same for "upload".
// With the coordinator's process id it also prints the coordinator's CPU seconds per phase.
// usage: TransferBench <coordinator-url> <input> <output> <work-folder> [coordinator-pid]
using System.Diagnostics;
using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using RenderFarm.Agent.Media;
using RenderFarm.Agent.Transfer;
using RenderFarm.Protos.V1;

if (args[0] == "hash")
{
    var data = new byte[1 << 20];
    Random.Shared.NextBytes(data);
    foreach (var (name, run) in new (string, Action)[]
    {
        ("sha256", () => { using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256); for (var i = 0; i < 256; i++) h.AppendData(data); h.GetHashAndReset(); }),
        ("xxh3", () => { for (var i = 0; i < 256; i++) RenderFarm.Protos.Transfer.ChunkChecksum.Of(data); }),
        ("copy", () => { var to = new byte[1 << 20]; for (var i = 0; i < 256; i++) data.CopyTo(to, 0); }),
    })
    {
        var c0 = Process.GetCurrentProcess().TotalProcessorTime;
        var t0 = Stopwatch.GetTimestamp();
        run();
        Console.WriteLine($"{name}: 256 MiB in {Stopwatch.GetElapsedTime(t0).TotalSeconds:0.000} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - c0).TotalSeconds:0.000} s cpu");
    }

    return;
}

var (url, input, output, work) = (args[0], args[1], args[2], args[3]);
var coordinatorPid = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 0;
using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = RenderFarm.Agent.Hosting.AgentExtensions.CreateHandler() });
var capabilities = FfmpegCapabilities.Detect();
var hello = new AgentHello { Name = "bench", Slots = 1, StorageMode = StorageMode.Transfer, FfmpegVersion = capabilities.Version };
hello.Encoders.AddRange(capabilities.Encoders);
hello.Filters.AddRange(capabilities.Filters);

// The farm's access, as scripts/bench/transfer.sh configures the coordinator: the bench enrolls as agent "bench" and
// submits with the operator key.
var operatorKey = Environment.GetEnvironmentVariable("RENDERFARM_API_KEY") ?? throw new InvalidOperationException("set RENDERFARM_API_KEY");
var enrollmentToken = Environment.GetEnvironmentVariable("Agent__EnrollmentToken") ?? throw new InvalidOperationException("set Agent__EnrollmentToken");
var credential = (await new AccessService.AccessServiceClient(channel).EnrollAgentAsync(new EnrollAgentRequest { AgentName = "bench", EnrollmentToken = enrollmentToken })).Credential;
var agentCalls = channel.Intercept(m =>
{
    m.Add("authorization", "Bearer " + credential);
    return m;
});
using var connect = new AgentService.AgentServiceClient(agentCalls).Connect();
await connect.RequestStream.WriteAsync(new ConnectRequest { Hello = hello });
var submitted = Stopwatch.GetTimestamp();
await new JobService.JobServiceClient(channel.Intercept(m =>
{
    m.Add("authorization", "Bearer " + operatorKey);
    return m;
})).SubmitJobAsync(new SubmitJobRequest
{
    Spec = new JobSpec { InputPath = input, OutputPath = output, Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
});

Assignment? work_ = null;
while (work_ is null && await connect.ResponseStream.MoveNext(CancellationToken.None))
{
    work_ = connect.ResponseStream.Current.Assignment;
}

var assignment = work_ ?? throw new InvalidOperationException("the coordinator sent no assignment");
Console.WriteLine($"assign {Stopwatch.GetElapsedTime(submitted).TotalSeconds:0.000}");
var blob = assignment.Blobs.Single(b => b.Media.Path == assignment.Input.Path);
var options = new TransferOptions();
if (Environment.GetEnvironmentVariable("RENDERFARM_BENCH_CHUNK") is { Length: > 0 } chunk) options.ChunkBytes = int.Parse(chunk, System.Globalization.CultureInfo.InvariantCulture);
var transfer = new RenderFarm.Protos.Transfer.TransferClient(agentCalls);
using var bandwidth = new AgentBandwidth(Microsoft.Extensions.Options.Options.Create(new RenderFarm.Agent.Hosting.AgentOptions()));
Directory.CreateDirectory(work);
var downloaded = Path.Combine(work, "blob");

var cpu = Process.GetCurrentProcess().TotalProcessorTime;
var coordinatorCpu = CoordinatorCpu();
var started = Stopwatch.GetTimestamp();
await new BlobDownloader(transfer, bandwidth, options, NullLogger<BlobDownloader>.Instance)
    .DownloadAsync("bench", assignment.AttemptId, blob, downloaded, _ => { }, CancellationToken.None);
Console.WriteLine($"download {Stopwatch.GetElapsedTime(started).TotalSeconds:0.000} {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0.000} {CoordinatorCpu() - coordinatorCpu:0.00}");

cpu = Process.GetCurrentProcess().TotalProcessorTime;
coordinatorCpu = CoordinatorCpu();
started = Stopwatch.GetTimestamp();
var published = await new OutputUploader(transfer, bandwidth, options, NullLogger<OutputUploader>.Instance)
    .UploadAsync("bench", assignment.AttemptId, downloaded, blob.Sha256, _ => { }, CancellationToken.None);
Console.WriteLine($"upload {Stopwatch.GetElapsedTime(started).TotalSeconds:0.000} {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0.000} {CoordinatorCpu() - coordinatorCpu:0.00}");

await using (var check = File.OpenRead(published))
{
    var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(check));
    if (sha != blob.Sha256) throw new InvalidDataException($"published {sha}, expected {blob.Sha256}");
}

await connect.RequestStream.CompleteAsync();
try
{
    while (await connect.ResponseStream.MoveNext(CancellationToken.None))
    {
    }
}
catch (RpcException)
{
    // The coordinator closes the stream.
}

// utime + stime of the coordinator process, in seconds (Linux /proc, 100 ticks a second).
double CoordinatorCpu()
{
    if (coordinatorPid == 0) return 0;
    var fields = File.ReadAllText($"/proc/{coordinatorPid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
}
