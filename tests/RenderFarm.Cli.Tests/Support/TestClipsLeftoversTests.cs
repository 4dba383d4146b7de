using System.Diagnostics;
using RenderFarm.Testing;

namespace RenderFarm.Cli.Tests.Support;

/// <summary>The clip folder of a test process that exited early is removed by the next one; a live process keeps its own.</summary>
public sealed class TestClipsLeftoversTests
{
    [Fact]
    public void RemoveLeftovers_FolderOfAProcessThatIsGone_IsRemoved_OwnFolderStays()
    {
        using var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        gone.WaitForExit();
        var leftover = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"renderfarm-clips-{gone.Id}-leftover")).FullName;
        File.WriteAllText(Path.Combine(leftover, "sdr.mp4"), "x");
        var own = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"renderfarm-clips-{Environment.ProcessId}-own")).FullName;
        try
        {
            TestClips.RemoveLeftovers();

            Assert.False(Directory.Exists(leftover), "the folder of an exited test process is left behind");
            Assert.True(Directory.Exists(own));
        }
        finally
        {
            Directory.Delete(own, recursive: true);
            if (Directory.Exists(leftover)) Directory.Delete(leftover, recursive: true);
        }
    }
}
