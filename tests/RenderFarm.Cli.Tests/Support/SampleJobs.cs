using Google.Protobuf.WellKnownTypes;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Support;

/// <summary>Jobs as a coordinator would report them.</summary>
public static class SampleJobs
{
    public static readonly DateTimeOffset Created = new(2025, 11, 24, 9, 30, 0, TimeSpan.Zero);

    public static Job Job(string id, JobState state, double percent = 0) => new()
    {
        Id = id,
        State = state,
        Percent = percent,
        CreateTime = Timestamp.FromDateTimeOffset(Created),
        Spec = new JobSpec
        {
            Name = $"name-{id}",
            InputPath = $"/media/in/{id}.mov",
            OutputPath = $"/media/out/{id}.mp4",
            Output = new OutputSettings { Preset = Preset.H264Proxy720P },
        },
    };

    public static Job Running(string id, double percent, double fps, double speed)
    {
        var job = Job(id, JobState.Running, percent);
        job.Tasks.Add(new RenderTask { Id = $"{id}-t1", State = TaskState.Running, Percent = percent, Fps = fps, Speed = speed });
        return job;
    }

    public static Job Succeeded(string id)
    {
        var job = Job(id, JobState.Succeeded, 100);
        job.Result = new OutputInfo
        {
            Path = $"/media/out/{id}.mp4",
            SizeBytes = 5_242_880,
            DurationSeconds = 83.4,
            FrameCount = 2085,
            Sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            VideoCodec = "h264",
            Width = 1280,
            Height = 720,
            PixelFormat = "yuv420p",
        };
        return job;
    }

    public static Job Failed(string id, string error)
    {
        var job = Job(id, JobState.Failed, 40);
        job.Error = error;
        return job;
    }
}
