using RenderFarm.Coordinator.Tests.Support;

namespace RenderFarm.Coordinator.Tests.Protocol;

/// <summary>The protos pass <c>buf lint</c> with the STANDARD rules (and the exceptions buf.yaml states).</summary>
public sealed class BufLintTests
{
    [Fact]
    public async Task BufLint_Protos_ExitsZeroWithNoFindings()
    {
        var result = await BufTool.RunAsync(RepoPaths.Protos, "lint");

        Assert.True(result.ExitCode == 0, $"buf lint exited {result.ExitCode}:\n{result.StandardOutput}{result.StandardError}");
        Assert.Equal("", result.StandardOutput.Trim());
    }
}
