// Plays an agent in transfer mode against a running coordinator: says hello with two slots, submits a small
// warm-up job and then the job on the input, takes both assignments, moves the warm-up's bytes once (so the
// timed transfers run on warm, compiled code, as in a long-running agent and coordinator), then times the
// agent's real BlobDownloader (the input, by hash) and OutputUploader (the same bytes sent back as the output,
// verified, flushed to disk and published by the coordinator). Before each timed direction the file it reads is
// flushed and dropped from the page cache, so the bytes come from the disk as in a plain cold copy.
// Prints "assign <s>", "download <s> <cpu s of this process> <cpu s of the coordinator>" and the same for "upload".
// usage: TransferBench <coordinator-url> <input> <output> <work-folder> <coordinator-pid> [warm-up-input]
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
var warmInput = args.Length > 5 ? args[5] : null;
var hello = new AgentHello { Name = "bench", Slots = warmInput is null ? 1u : 2u, StorageMode = StorageMode.Transfer, FfmpegVersion = capabilities.Version };
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
var jobs = new JobService.JobServiceClient(channel.Intercept(m =>
{
    m.Add("authorization", "Bearer " + operatorKey);
    return m;
}));
var options = new TransferOptions();
if (Environment.GetEnvironmentVariable("RENDERFARM_BENCH_CHUNK") is { Length: > 0 } chunk) options.ChunkBytes = int.Parse(chunk, System.Globalization.CultureInfo.InvariantCulture);
var transfer = new RenderFarm.Protos.Transfer.TransferClient(agentCalls);
using var bandwidth = new AgentBandwidth(Microsoft.Extensions.Options.Options.Create(new RenderFarm.Agent.Hosting.AgentOptions()));
var downloader = new BlobDownloader(transfer, bandwidth, options, NullLogger<BlobDownloader>.Instance);
var uploader = new OutputUploader(transfer, bandwidth, options, NullLogger<OutputUploader>.Instance);
Directory.CreateDirectory(work);

if (warmInput is not null)
{
    var warm = await AssignAsync(warmInput, Path.Combine(Path.GetDirectoryName(output)!, "warm-" + Path.GetFileName(output)));
    var warmBlob = warm.Blobs.Single(b => b.Media.Path == warm.Input.Path);
    var warmFile = Path.Combine(work, "warm");
    await downloader.DownloadAsync("bench", warm.AttemptId, warmBlob, warmFile, _ => { }, CancellationToken.None);
    await uploader.UploadAsync("bench", warm.AttemptId, warmFile, new OutputInfo { SizeBytes = warmBlob.SizeBytes, Sha256 = warmBlob.Sha256 }, _ => { }, CancellationToken.None);
}

var submitted = Stopwatch.GetTimestamp();
var assignment = await AssignAsync(input, output);
Console.WriteLine($"assign {Stopwatch.GetElapsedTime(submitted).TotalSeconds:0.000}");
var blob = assignment.Blobs.Single(b => b.Media.Path == assignment.Input.Path);
var downloaded = Path.Combine(work, "blob");

PageCache.Drop(input);
var cpu = Process.GetCurrentProcess().TotalProcessorTime;
var coordinatorCpu = CoordinatorCpu();
var started = Stopwatch.GetTimestamp();
await downloader.DownloadAsync("bench", assignment.AttemptId, blob, downloaded, _ => { }, CancellationToken.None);
Console.WriteLine($"download {Stopwatch.GetElapsedTime(started).TotalSeconds:0.000} {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0.000} {CoordinatorCpu() - coordinatorCpu:0.00}");

PageCache.Drop(downloaded);
cpu = Process.GetCurrentProcess().TotalProcessorTime;
coordinatorCpu = CoordinatorCpu();
started = Stopwatch.GetTimestamp();
var published = await uploader.UploadAsync("bench", assignment.AttemptId, downloaded, new OutputInfo { SizeBytes = blob.SizeBytes, Sha256 = blob.Sha256 }, _ => { }, CancellationToken.None);
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

// Submits a job on the file and waits for its assignment.
async Task<Assignment> AssignAsync(string file, string to)
{
    await jobs.SubmitJobAsync(new SubmitJobRequest
    {
        Spec = new JobSpec { InputPath = file, OutputPath = to, Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
    });
    while (await connect.ResponseStream.MoveNext(CancellationToken.None))
    {
        if (connect.ResponseStream.Current.Assignment is { } given) return given;
    }

    throw new InvalidOperationException("the coordinator sent no assignment");
}

// utime + stime of the coordinator process, in seconds (Linux /proc, 100 ticks a second).
double CoordinatorCpu()
{
    if (coordinatorPid == 0) return 0;
    var fields = File.ReadAllText($"/proc/{coordinatorPid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
}

/// <summary>Drops a file from the page cache (after writing back its dirty pages), so the next read comes from the disk.</summary>
internal static partial class PageCache
{
    private const int DontNeed = 4;

    public static void Drop(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Flush(flushToDisk: true);
        var result = Advise((int)file.SafeFileHandle.DangerousGetHandle(), 0, 0, DontNeed);
        if (result != 0) Console.Error.WriteLine($"posix_fadvise({path}) failed with {result}; the file may still be cached");
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int Advise(int fd, long offset, long length, int advice);
}
