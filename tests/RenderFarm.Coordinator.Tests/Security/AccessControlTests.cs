using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Security;

/// <summary>Every refusal of access control through the real gRPC surface: status code and a message that says what to do.</summary>
public sealed class AccessControlTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private static async Task<RpcException> Refused(StatusCode code, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(ex.StatusCode == code, $"{ex.StatusCode}: {ex.Status.Detail}");
        return ex;
    }

    private async Task<JobSpec> SpecAsync(string name)
    {
        var input = Path.Combine(_farm.MediaDir, "in.mp4");
        if (!File.Exists(input)) await TestClips.CopyAsync(TestClips.SdrAsync(), input);
        return new JobSpec { Name = name, InputPath = input, OutputPath = $"out/{name}.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } };
    }

    private JobService.JobServiceClient JobsAs(string? key) => new(_farm.CreateChannel(key));

    [Fact]
    public async Task NoKey_EveryJobAndFarmCall_UnauthenticatedSayingHowToGetAKey()
    {
        var jobs = JobsAs(null);
        var farm = new FarmService.FarmServiceClient(_farm.CreateChannel(null));

        var submit = await Refused(StatusCode.Unauthenticated, async () => await jobs.SubmitJobAsync(new SubmitJobRequest { Spec = await SpecAsync("a") }));
        await Refused(StatusCode.Unauthenticated, () => jobs.ListJobsAsync(new ListJobsRequest()).ResponseAsync);
        await Refused(StatusCode.Unauthenticated, () => farm.ListAgentsAsync(new ListAgentsRequest()).ResponseAsync);

        Assert.Contains("no API key", submit.Status.Detail);
        Assert.Contains("farmctl keys create", submit.Status.Detail);
        Assert.Contains("RENDERFARM_API_KEY", submit.Status.Detail);
    }

    [Fact]
    public async Task UnknownOrRevokedKey_Unauthenticated()
    {
        var unknown = await Refused(StatusCode.Unauthenticated, () => JobsAs("rfk_made-up-key").ListJobsAsync(new ListJobsRequest()).ResponseAsync);
        Assert.Contains("unknown or was revoked", unknown.Status.Detail);

        var key = await _farm.CreateKeyAsync("bob", Role.Viewer);
        await JobsAs(key).ListJobsAsync(new ListJobsRequest());
        var access = new AccessService.AccessServiceClient(_farm.Channel);
        var revoked = (await access.RevokeApiKeyAsync(new RevokeApiKeyRequest { Key = "bob" })).Info;

        Assert.Equal("bob", revoked.Name);
        Assert.NotNull(revoked.RevokeTime);
        await Refused(StatusCode.Unauthenticated, () => JobsAs(key).ListJobsAsync(new ListJobsRequest()).ResponseAsync);
        Assert.DoesNotContain((await access.ListApiKeysAsync(new ListApiKeysRequest())).Keys, k => k.Name == "bob" && k.RevokeTime is null);
    }

    [Fact]
    public async Task Viewer_ReadsButCannotSubmitCancelOrDrain_PermissionDeniedNamingTheRole()
    {
        var viewer = await _farm.CreateKeyAsync("vera", Role.Viewer);
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = await SpecAsync("v") })).Job;

        Assert.Equal(job.Id, (await JobsAs(viewer).GetJobAsync(new GetJobRequest { JobId = job.Id })).Job.Id);
        var submit = await Refused(StatusCode.PermissionDenied, async () => await JobsAs(viewer).SubmitJobAsync(new SubmitJobRequest { Spec = await SpecAsync("v2") }));
        Assert.Contains("viewer key 'vera'", submit.Status.Detail);
        Assert.Contains("editor role", submit.Status.Detail);
        await Refused(StatusCode.PermissionDenied, () => JobsAs(viewer).CancelJobAsync(new CancelJobRequest { JobId = job.Id }).ResponseAsync);
        var drain = await Refused(StatusCode.PermissionDenied, () => new FarmService.FarmServiceClient(_farm.CreateChannel(viewer)).DrainAgentAsync(new DrainAgentRequest { AgentId = "x" }).ResponseAsync);
        Assert.Contains("operator role", drain.Status.Detail);
        await Refused(StatusCode.PermissionDenied, () => new AccessService.AccessServiceClient(_farm.CreateChannel(viewer)).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "x", Role = Role.Operator }).ResponseAsync);
    }

    [Fact]
    public async Task Editor_CancelsOwnJobOnly_OperatorCancelsAny()
    {
        var alice = JobsAs(await _farm.CreateKeyAsync("alice", Role.Editor));
        var carol = JobsAs(await _farm.CreateKeyAsync("carol", Role.Editor));
        var aliceJob = (await alice.SubmitJobAsync(new SubmitJobRequest { Spec = await SpecAsync("alice-1") })).Job;
        var aliceJob2 = (await alice.SubmitJobAsync(new SubmitJobRequest { Spec = await SpecAsync("alice-2") })).Job;

        Assert.Equal("alice", aliceJob.Spec.Owner);
        var denied = await Refused(StatusCode.PermissionDenied, () => carol.CancelJobAsync(new CancelJobRequest { JobId = aliceJob.Id }).ResponseAsync);
        Assert.Contains("submitted by 'alice'", denied.Status.Detail);
        Assert.Equal(JobState.Canceled, (await alice.CancelJobAsync(new CancelJobRequest { JobId = aliceJob.Id })).Job.State);
        Assert.Equal(JobState.Canceled, (await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = aliceJob2.Id })).Job.State);
    }

    [Fact]
    public async Task SubmittedOwner_CannotBeForgedBySubmitter()
    {
        var alice = JobsAs(await _farm.CreateKeyAsync("alice", Role.Editor));
        var spec = await SpecAsync("forged");
        spec.Owner = "carol";

        var job = (await alice.SubmitJobAsync(new SubmitJobRequest { Spec = spec })).Job;

        Assert.Equal("alice", job.Spec.Owner);
    }

    [Fact]
    public async Task AgentStream_WithoutCredential_WithKey_OrUnderAnotherName_Refused()
    {
        var anonymous = new AgentService.AgentServiceClient(_farm.CreateChannel(null));
        var noCredential = await Refused(StatusCode.Unauthenticated, () => HelloAsync(anonymous, "sneaky", null));
        Assert.Contains("enrollment token", noCredential.Status.Detail);

        await Refused(StatusCode.PermissionDenied, () => HelloAsync(new AgentService.AgentServiceClient(_farm.Channel), "sneaky", null));

        var access = new AccessService.AccessServiceClient(_farm.CreateChannel(null));
        var credential = (await access.EnrollAgentAsync(new EnrollAgentRequest { AgentName = "render-01", EnrollmentToken = _farm.Credentials.EnrollmentToken })).Credential;
        var impersonation = await Refused(StatusCode.PermissionDenied, () => HelloAsync(anonymous, "render-02", credential));
        Assert.Contains("belongs to agent 'render-01'", impersonation.Status.Detail);

        var asClient = await Refused(StatusCode.PermissionDenied, () => JobsAs(credential).ListJobsAsync(new ListJobsRequest()).ResponseAsync);
        Assert.Contains("agent 'render-01' may only use the agent stream", asClient.Status.Detail);
    }

    [Fact]
    public async Task Enroll_WrongTokenOrTwice_RefusedWithWhatToDo()
    {
        var access = new AccessService.AccessServiceClient(_farm.CreateChannel(null));

        var wrong = await Refused(StatusCode.Unauthenticated, () => access.EnrollAgentAsync(new EnrollAgentRequest { AgentName = "a1", EnrollmentToken = "not-the-token" }).ResponseAsync);
        Assert.Contains("Coordinator:Security:EnrollmentToken", wrong.Status.Detail);

        await access.EnrollAgentAsync(new EnrollAgentRequest { AgentName = "a1", EnrollmentToken = _farm.Credentials.EnrollmentToken });
        var twice = await Refused(StatusCode.AlreadyExists, () => access.EnrollAgentAsync(new EnrollAgentRequest { AgentName = "a1", EnrollmentToken = _farm.Credentials.EnrollmentToken }).ResponseAsync);
        Assert.Contains("farmctl agents revoke a1", twice.Status.Detail);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task StartAgent_EnrollsAndStoresItsCredentialReadableByItsUserOnly()
    {
        await _farm.StartAgentAsync("agent-file");

        var file = _farm.CredentialFile("agent-file");
        Assert.StartsWith("rfa_", File.ReadAllText(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var listed = (await new AccessService.AccessServiceClient(_farm.Channel).ListAgentCredentialsAsync(new ListAgentCredentialsRequest())).Agents;
        Assert.Contains(listed, a => a.AgentName == "agent-file" && a.RevokeTime is null);
    }

    [Fact]
    public async Task RevokeAgent_MidRender_StreamClosedWorkRequeuedAndTheAgentStaysOut()
    {
        await _farm.StartAgentAsync("doomed");
        var input = Path.Combine(_farm.MediaDir, "long.mp4");
        await TestClips.CopyAsync(TestClips.LongAsync(), input);
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { InputPath = input, OutputPath = "long-out.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
        })).Job;
        var running = await _farm.WaitForJobAsync(job.Id, j => j.Tasks[0].State == TaskState.Running && j.Tasks[0].Percent > 1, TimeSpan.FromSeconds(60));
        var attemptId = running.Tasks[0].Attempts[^1].Id;

        var revoked = await new AccessService.AccessServiceClient(_farm.Channel).RevokeAgentAsync(new RevokeAgentRequest { AgentName = "doomed" });

        Assert.Equal(1u, revoked.RequeuedAttempts);
        var after = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = job.Id })).Job;
        var attempt = after.Tasks[0].Attempts.Single(a => a.Id == attemptId);
        Assert.Equal(AttemptOutcome.Lost, attempt.Outcome);
        Assert.Contains("revoked", attempt.Error);
        Assert.Equal(TaskState.Queued, after.Tasks[0].State);
        await FarmHost.WaitUntilAsync(async () => (await _farm.Farm.ListAgentsAsync(new ListAgentsRequest())).Agents.All(a => a.Name != "doomed" || a.State == AgentState.Disconnected), TimeSpan.FromSeconds(10));
        var refused = await Refused(StatusCode.Unauthenticated, () => HelloAsync(new AgentService.AgentServiceClient(_farm.CreateChannel(null)), "doomed", File.ReadAllText(_farm.CredentialFile("doomed"))));
        Assert.Contains("revoked", refused.Status.Detail);
    }

    private static async Task HelloAsync(AgentService.AgentServiceClient client, string name, string? credential)
    {
        using var call = client.Connect(credential is null ? null : FarmCredentials.Headers(credential));
        try
        {
            await call.RequestStream.WriteAsync(new ConnectRequest { Hello = new AgentHello { Name = name, Slots = 1 } });
        }
        catch (RpcException)
        {
            // The coordinator may refuse the call before the hello is written; the refusal's own status is read below.
        }

        await call.ResponseStream.MoveNext(CancellationToken.None);
        if (call.ResponseStream.Current.MessageCase != ConnectResponse.MessageOneofCase.Welcome) throw new InvalidOperationException("no welcome");
        throw new RpcException(new Status(StatusCode.OK, "welcomed"));
    }
}
