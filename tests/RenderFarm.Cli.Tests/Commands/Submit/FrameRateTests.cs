using RenderFarm.Cli.Commands.Submit;

namespace RenderFarm.Cli.Tests.Commands.Submit;

public sealed class FrameRateTests
{
    [Theory]
    [InlineData("25")]
    [InlineData("29.97")]
    [InlineData("30000/1001")]
    [InlineData("120")]
    public void IsValid_NumberOrRatio_True(string rate) => Assert.True(FrameRate.IsValid(rate));

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("0/1")]
    [InlineData("25/0")]
    [InlineData("-25")]
    [InlineData("25.")]
    [InlineData("1/2/3")]
    [InlineData("ntsc")]
    [InlineData(" 25")]
    public void IsValid_NotAPositiveRate_False(string rate) => Assert.False(FrameRate.IsValid(rate));
}
