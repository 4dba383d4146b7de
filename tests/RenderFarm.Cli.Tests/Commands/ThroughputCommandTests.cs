using Google.Protobuf.WellKnownTypes;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Commands;

/// <summary>`farmctl throughput`: GetThroughput's series as totals, a sparkline and a row per bucket where something happened.</summary>
public sealed class ThroughputCommandTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    private static GetThroughputResponse Series()
    {
        var series = new GetThroughputResponse
        {
            StartTime = Timestamp.FromDateTimeOffset(Start),
            EndTime = Timestamp.FromDateTimeOffset(Start.AddMinutes(4).AddSeconds(30)),
            Bucket = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)),
            Total = new ThroughputBucket { StartTime = Timestamp.FromDateTimeOffset(Start), TasksSucceeded = 7, TasksFailed = 1, JobsSucceeded = 3, Frames = 960, MediaSeconds = 40, BusySlots = 1.25 },
        };
        ulong[] frames = [0, 480, 240, 0, 240];
        for (var i = 0; i < frames.Length; i++)
        {
            series.Buckets.Add(new ThroughputBucket
            {
                StartTime = Timestamp.FromDateTimeOffset(Start.AddMinutes(i)),
                TasksSucceeded = frames[i] > 0 ? 2u : 0u,
                TasksFailed = i == 3 ? 1u : 0u,
                JobsSucceeded = frames[i] > 0 ? 1u : 0u,
                Frames = frames[i],
                MediaSeconds = frames[i] / 24.0,
                BusySlots = frames[i] > 0 ? 2 : 0,
            });
        }

        return series;
    }

    [Fact]
    public async Task Throughput_Defaults_AsksForTheLastHourInMinutesAndPrintsTotalsSparklineAndBusyBuckets()
    {
        _farmctl.Farm.Throughput = Series();

        var result = await _farmctl.RunAsync("throughput");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var request = Assert.Single(_farmctl.Farm.ThroughputRequests);
        Assert.Equal((TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(1)), (request.Window.ToTimeSpan(), request.Bucket.ToTimeSpan()));
        Assert.Contains("7 tasks succeeded, 1 failed; 3 jobs succeeded, 0 failed; 960 frames, 40 s of video; 1.25 slots busy on average", result.Out, StringComparison.Ordinal);
        Assert.Contains("frames ·█▄·▄", result.Out, StringComparison.Ordinal);
        var lines = result.Out.Split('\n');
        var row = Assert.Single(lines, l => l.Contains("09:01:00", StringComparison.Ordinal));
        Assert.Equal(["09:01:00", "2", "0", "1", "0", "480", "20", "2"], row.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Single(lines, l => l.Contains("09:03:00", StringComparison.Ordinal)); // a failure alone is shown too
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("09:00:00", StringComparison.Ordinal)); // nothing happened in it
        Assert.Contains("1 quiet bucket not shown", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throughput_MinutesAndBucket_SentAsTheWindowAndBucket()
    {
        var result = await _farmctl.RunAsync("throughput", "--minutes", "240", "--bucket", "5m");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var request = Assert.Single(_farmctl.Farm.ThroughputRequests);
        Assert.Equal((TimeSpan.FromHours(4), TimeSpan.FromMinutes(5)), (request.Window.ToTimeSpan(), request.Bucket.ToTimeSpan()));
        Assert.Contains("nothing ended and no slot was busy", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throughput_Json_RoundTripsToTheResponse()
    {
        _farmctl.Farm.Throughput = Series();

        var result = await _farmctl.RunAsync("throughput", "--json");

        Assert.Equal(Series(), GetThroughputResponse.Parser.ParseJson(result.Out));
    }

    [Theory]
    [InlineData("--bucket", "soon")]
    [InlineData("--minutes", "0")]
    [InlineData("--minutes", "1441")]
    public async Task Throughput_BadOption_UsageErrorWithoutACall(string option, string value)
    {
        var result = await _farmctl.RunAsync("throughput", option, value);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(option, result.Error, StringComparison.Ordinal);
        Assert.Empty(_farmctl.Farm.ThroughputRequests);
    }
}
