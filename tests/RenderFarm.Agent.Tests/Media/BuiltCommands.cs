using RenderFarm.Agent.Media;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Tests.Media;

/// <summary>What the agent would run for a source: compared between two readings of the same file.</summary>
internal static class BuiltCommands
{
    /// <summary>The ffmpeg arguments and expectations, or why the settings were refused for this source.</summary>
    public static string Of(OutputSettings settings, Grade? grade, bool hasLut, SourceInfo source)
    {
        try
        {
            var command = RenderCommandBuilder.Build(settings, grade, hasLut, source, ".mp4");
            return string.Join(' ', command.Arguments) + " | " + command.Expect;
        }
        catch (RenderSettingsException ex)
        {
            return "refused: " + ex.Message;
        }
    }
}
