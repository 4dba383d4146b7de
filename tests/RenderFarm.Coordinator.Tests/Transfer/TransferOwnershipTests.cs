using Grpc.Core;
using Grpc.Net.Client;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Transfer;

/// <summary>
/// Every TransferService call acts only for the calling agent's own live attempts: an enrolled agent that names another
/// agent, or another agent's attempt, is refused before a byte is written, and nothing is published at the victim's
/// output path. Run over the in-process test server and over a real coordinator process on loopback.
/// </summary>
public sealed class TransferOwnershipTests
{
    [Fact]
    public async Task UploadOutput_NamingAnotherAgent_PermissionDeniedAndNothingPublished()
    {
        await using var farm = await FarmHost.StartAsync();
        await CrossAgentScenario.RunAsync(farm.MediaDir, farm.Channel, farm.Credentials.EnrollmentToken, farm.CreateChannel);
    }

    [Fact]
    public async Task UploadOutput_NamingAnotherAgent_RealProcess_PermissionDeniedAndNothingPublished()
    {
        await using var coordinator = await CoordinatorProcess.StartAsync();
        using var operatorChannel = coordinator.CreateChannel();
        await CrossAgentScenario.RunAsync(coordinator.MediaDir, operatorChannel, coordinator.Credentials.EnrollmentToken,
            key => FarmCredentials.Channel(coordinator.GrpcAddress, key));
    }
}

/// <summary>A victim agent holds a live attempt; a thief agent, enrolled on the same farm, tries every way to move its bytes.</summary>
internal static class CrossAgentScenario
{
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public static async Task RunAsync(string mediaDir, GrpcChannel operatorChannel, string enrollmentToken, Func<string?, GrpcChannel> channelWith)
    {
        await File.WriteAllBytesAsync(Path.Combine(mediaDir, "in.mov"), new byte[4096]);
        var access = new AccessService.AccessServiceClient(channelWith(null));
        var victimKey = (await access.EnrollAgentAsync(new EnrollAgentRequest { AgentName = "victim", EnrollmentToken = enrollmentToken })).Credential;
        var thiefKey = (await access.EnrollAgentAsync(new EnrollAgentRequest { AgentName = "thief", EnrollmentToken = enrollmentToken })).Credential;

        using var victimChannel = channelWith(victimKey);
        using var stream = new AgentService.AgentServiceClient(victimChannel).Connect();
        var hello = new AgentHello { Name = "victim", Slots = 1, Cores = 1, FfmpegVersion = "test", StorageMode = StorageMode.Transfer };
        hello.Encoders.Add("libx264");
        hello.Filters.Add("zscale");
        await stream.RequestStream.WriteAsync(new ConnectRequest { Hello = hello });
        var job = (await new JobService.JobServiceClient(operatorChannel).SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { InputPath = "in.mov", OutputPath = "out/victim.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
        })).Job;
        var assignment = await NextAssignmentAsync(stream.ResponseStream);
        Assert.Equal(job.Id, assignment.JobId);
        var attempt = assignment.AttemptId;
        var before = Files(mediaDir);

        using var thiefChannel = channelWith(thiefKey);
        var thief = new TransferService.TransferServiceClient(thiefChannel);
        // An empty file, with the SHA-256 an empty file has: were it admitted, it would be published as the victim's output.
        var forged = new UploadOutputRequest { AgentId = "victim", AttemptId = attempt, Finish = true, SizeBytes = 0, Sha256 = EmptySha256 };

        var upload = await Refused(StatusCode.PermissionDenied, () => UploadAsync(thief, forged));
        Assert.Contains("belongs to agent 'thief', not 'victim'", upload.Status.Detail);
        await Refused(StatusCode.PermissionDenied, () => thief.GetUploadStatusAsync(new GetUploadStatusRequest { AgentId = "victim", AttemptId = attempt }).ResponseAsync);
        await Refused(StatusCode.PermissionDenied, () => DownloadAsync(thief, new DownloadBlobRequest { AgentId = "victim", AttemptId = attempt, Sha256 = assignment.Blobs[0].Sha256 }));

        // Naming itself does not help: the attempt is not its lease.
        var own = forged.Clone();
        own.AgentId = "thief";
        var notItsLease = await Refused(StatusCode.FailedPrecondition, () => UploadAsync(thief, own));
        Assert.Contains("not a live lease of agent 'thief'", notItsLease.Status.Detail);
        await Refused(StatusCode.FailedPrecondition, () => DownloadAsync(thief, new DownloadBlobRequest { AgentId = "thief", AttemptId = attempt, Sha256 = assignment.Blobs[0].Sha256 }));
        Assert.Equal(before, Files(mediaDir));

        // A stream that starts as the victim's own and then names another agent is cut at that message.
        var victim = new TransferService.TransferServiceClient(victimChannel);
        var data = Google.Protobuf.ByteString.CopyFrom(new byte[100]);
        var first = new UploadOutputRequest { AgentId = "victim", AttemptId = attempt, Data = data, Checksum = Protos.Transfer.ChunkChecksum.Of(data.Span) };
        var switched = new UploadOutputRequest { AgentId = "thief", AttemptId = attempt, Offset = 100, Finish = true, SizeBytes = 100, Sha256 = "" };
        await Refused(StatusCode.PermissionDenied, () => UploadAsync(victim, first, switched));

        // The forged empty upload, even from the attempt's own agent, is not what it claims and is not published.
        var empty = forged.Clone();
        empty.Sha256 = "";
        empty.Offset = (await victim.GetUploadStatusAsync(new GetUploadStatusRequest { AgentId = "victim", AttemptId = attempt })).ReceivedBytes;
        await Assert.ThrowsAsync<RpcException>(() => UploadAsync(victim, empty));

        Assert.False(File.Exists(Path.Combine(mediaDir, "out", "victim.mp4")), "nothing may be published at the victim's output path");
        var after = (await new JobService.JobServiceClient(operatorChannel).GetJobAsync(new GetJobRequest { JobId = job.Id })).Job;
        Assert.Equal(AttemptOutcome.Running, after.Tasks[0].Attempts.Single(a => a.Id == attempt).Outcome);
    }

    private static async Task<Assignment> NextAssignmentAsync(IAsyncStreamReader<ConnectResponse> responses)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await responses.MoveNext(timeout.Token))
        {
            if (responses.Current.MessageCase == ConnectResponse.MessageOneofCase.Assignment) return responses.Current.Assignment;
        }

        throw new InvalidOperationException("the agent stream ended before an assignment");
    }

    private static async Task<UploadOutputResponse> UploadAsync(TransferService.TransferServiceClient client, params UploadOutputRequest[] messages)
    {
        using var call = client.UploadOutput();
        try
        {
            foreach (var message in messages) await call.RequestStream.WriteAsync(message);
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // Refused before the stream was written to the end; the call's own status is read below.
        }
        catch (InvalidOperationException)
        {
            // Likewise: the call has already ended.
        }

        return await call.ResponseAsync;
    }

    private static async Task DownloadAsync(TransferService.TransferServiceClient client, DownloadBlobRequest request)
    {
        using var call = client.DownloadBlob(request);
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }
    }

    private static async Task<RpcException> Refused(StatusCode code, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(ex.StatusCode == code, $"expected {code}, got {ex.StatusCode}: {ex.Status.Detail}");
        Assert.False(string.IsNullOrWhiteSpace(ex.Status.Detail));
        return ex;
    }

    private static List<string> Files(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal).ToList();
}
