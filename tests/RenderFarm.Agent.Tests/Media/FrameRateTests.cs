using RenderFarm.Agent.Media;

namespace RenderFarm.Agent.Tests.Media;

public sealed class FrameRateTests
{
    [Theory]
    [InlineData("25", "25/1")]
    [InlineData("29.97", "2997/100")]
    [InlineData("30000/1001", "30000/1001")]
    [InlineData("60/2", "30/1")]
    [InlineData(" 24 ", "24/1")]
    public void TryParse_ValidRate_ReducesToRatio(string text, string expected)
    {
        Assert.True(FrameRate.TryParse(text, out var rate));
        Assert.Equal(expected, rate.ToString());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("0/0")]
    [InlineData("-25")]
    [InlineData("25/0")]
    [InlineData("1e3")]
    [InlineData("2000")]
    [InlineData("25,5")]
    public void TryParse_Invalid_ReturnsFalse(string text)
    {
        Assert.False(FrameRate.TryParse(text, out _));
    }

    [Theory]
    [InlineData("2987/100", "30000/1001")]
    [InlineData("45000000/1866667", "24/1")]
    [InlineData("2711/100", "2711/100")]
    [InlineData("25/1", "25/1")]
    [InlineData("5994/100", "60000/1001")]
    public void SnapToStandard_NearStandard_Snaps(string average, string expected)
    {
        Assert.True(FrameRate.TryParse(average, out var rate));
        Assert.Equal(expected, rate.SnapToStandard().ToString());
    }

    [Theory]
    [InlineData("30/1", "2250/100", "30/1")]
    [InlineData("30/1", "25643/1000", "30/1")]
    [InlineData("30000/1001", "2700/100", "30000/1001")]
    [InlineData("120/1", "2987/100", "30000/1001")]
    [InlineData("90000/1", "3077/250", "24000/1001")]
    [InlineData("", "4950/100", "50/1")]
    [InlineData("", "10000/100", "120/1")]
    [InlineData("", "3600/100", "30/1")]
    public void SnapVariable_AnyRate_GivesTheNearestTimelineRateToTheNominalOrAverage(string real, string average, string expected)
    {
        FrameRate? nominal = FrameRate.TryParse(real, out var r) ? r : null;
        Assert.True(FrameRate.TryParse(average, out var avg));

        Assert.Equal(expected, FrameRate.SnapVariable(nominal, avg).ToString());
    }
}
