using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Output;

public sealed class JsonOutputTests
{
    [Fact]
    public async Task Write_AfterPrepare_WritesAProtoJsonDocumentThatParsesBack()
    {
        var job = new Job
        {
            Id = "job-0123456789ab",
            State = JobState.Succeeded,
            EndTime = Timestamp.FromDateTime(new DateTime(2026, 12, 7, 14, 0, 0, DateTimeKind.Utc)),
            Result = new OutputInfo { Path = "out/clip.mp4", FrameCount = 300, Sha256 = new string('a', 64), VideoCodec = "h264" },
        };
        var writer = new StringWriter();

        await JsonOutput.PrepareAsync(Job.Descriptor);
        new JsonOutput(writer).Write(job);

        var text = writer.ToString();
        Assert.Contains("\"state\": \"JOB_STATE_SUCCEEDED\"", text, StringComparison.Ordinal);
        Assert.Equal(job, JsonParser.Default.Parse<Job>(text));
    }
}
