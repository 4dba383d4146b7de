using RenderFarm.Protos.V1;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>Job specs the fault tests submit.</summary>
public static class Specs
{
    /// <summary>H.264 540p proxy at a constant 30 fps: quick.</summary>
    public static JobSpec Proxy(string name, string input, string output, uint? maxRetries = null)
    {
        var spec = new JobSpec
        {
            Name = name,
            InputPath = input,
            OutputPath = output,
            Output = new OutputSettings { Preset = Preset.H264Proxy540P, FrameRateMode = FrameRateMode.Constant, FrameRate = "30" },
        };
        if (maxRetries is { } retries) spec.MaxRetries = retries;
        return spec;
    }
}
