using RenderFarm.Cli.Commands.Submit;

namespace RenderFarm.Cli.Tests.Commands.Submit;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("5m", 300)]
    [InlineData("2h", 7200)]
    [InlineData("1h30m", 5400)]
    [InlineData("1d2h3m4s", 93784)]
    [InlineData("2H", 7200)]
    public void TryParse_Valid_GivesTheSpan(string text, int seconds)
    {
        Assert.True(DurationText.TryParse(text, out var span));
        Assert.Equal(TimeSpan.FromSeconds(seconds), span);
    }

    [Theory]
    [InlineData("")]
    [InlineData("90")]
    [InlineData("0s")]
    [InlineData("1.5h")]
    [InlineData("30m1h")]
    [InlineData("h")]
    [InlineData("1 h")]
    [InlineData("999999d")]
    public void TryParse_Invalid_False(string text)
    {
        Assert.False(DurationText.TryParse(text, out _));
    }
}
