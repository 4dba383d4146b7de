using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Commands;

public sealed class AttemptsCommandTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    private void AddRunningAttempt()
    {
        var job = SampleJobs.Running("j1", 30, 25, 1);
        job.Tasks[0].Attempts.Add(new Attempt { Id = "att-9", AgentName = "render-07", Outcome = AttemptOutcome.Running });
        _farmctl.Farm.Jobs["j1"] = job;
    }

    [Fact]
    public async Task Cancel_RunningAttempt_SendsReasonAndPrintsTheJob()
    {
        AddRunningAttempt();

        var result = await _farmctl.RunAsync("attempts", "cancel", "att-9", "--reason", "stuck on frame 1200");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var request = Assert.Single(_farmctl.Farm.CancelAttemptRequests);
        Assert.Equal(("att-9", "stuck on frame 1200"), (request.AttemptId, request.Reason));
        Assert.Equal("canceled attempt att-9; its task goes back to the queue. job j1: queued", result.Out.Trim());
    }

    [Fact]
    public async Task Cancel_Json_IsTheJobWithTheAttemptInterrupted()
    {
        AddRunningAttempt();

        var result = await _farmctl.RunAsync("attempts", "cancel", "att-9", "--json");

        var attempt = Job.Parser.ParseJson(result.Out).Tasks[0].Attempts.Single(a => a.Id == "att-9");
        Assert.Equal((AttemptOutcome.Canceled, FailureClass.Interrupted), (attempt.Outcome, attempt.FailureClass));
    }

    [Fact]
    public async Task Cancel_FinishedAttempt_ExitCode3WithTheReason()
    {
        AddRunningAttempt();
        await _farmctl.RunAsync("attempts", "cancel", "att-9");

        var result = await _farmctl.RunAsync("attempts", "cancel", "att-9");

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Equal("error: FailedPrecondition: attempt att-9 is not running", result.Error.Trim());
    }

    [Fact]
    public async Task Help_Attempts_DocumentsCancel()
    {
        var result = await _farmctl.RunAsync("attempts", "--help");

        Assert.Contains("cancel", result.Out);
        Assert.Contains("Stop one running attempt", (await _farmctl.RunAsync("attempts", "cancel", "--help")).Out);
    }
}
