using RenderFarm.Cli.Connection;

namespace RenderFarm.Cli.Tests.Connection;

public sealed class CoordinatorAddressTests
{
    private static Func<string, string?> Env(string? value) =>
        name => name == CoordinatorAddress.EnvironmentVariable ? value : null;

    [Fact]
    public void TryResolve_OptionAndVariable_OptionWins()
    {
        Assert.True(CoordinatorAddress.TryResolve("http://farm:9000", Env("http://other:1"), out var address, out _));

        Assert.Equal(new Uri("http://farm:9000"), address.Uri);
        Assert.Equal("from --coordinator", address.Source);
    }

    [Fact]
    public void TryResolve_OnlyVariable_UsesVariable()
    {
        Assert.True(CoordinatorAddress.TryResolve(null, Env("https://farm.example:7400"), out var address, out _));

        Assert.Equal(new Uri("https://farm.example:7400"), address.Uri);
        Assert.Equal("from $RENDERFARM_COORDINATOR", address.Source);
    }

    [Fact]
    public void TryResolve_Nothing_UsesLoopbackDefault()
    {
        Assert.True(CoordinatorAddress.TryResolve(null, Env(null), out var address, out _));

        Assert.Equal(new Uri("http://127.0.0.1:7400"), address.Uri);
    }

    [Theory]
    [InlineData("farm:7400")]
    [InlineData("ftp://farm")]
    [InlineData("not a url")]
    public void TryResolve_NotHttpUrl_ExplainsWhatIsWrong(string text)
    {
        Assert.False(CoordinatorAddress.TryResolve(text, Env(null), out _, out var problem));

        Assert.Contains($"'{text}' (from --coordinator) is not an http:// or https:// URL", problem);
    }

    [Fact]
    public void TryResolve_SeveralCoordinators_KeepsThemInOrder()
    {
        Assert.True(CoordinatorAddress.TryResolve("http://farm-a:7400, http://farm-b:7400", Env(null), out var address, out _));

        Assert.Equal([new Uri("http://farm-a:7400"), new Uri("http://farm-b:7400")], address.Uris);
        Assert.Equal(new Uri("http://farm-a:7400"), address.Uri);
    }

    [Fact]
    public void TryResolve_MixedSchemes_IsRefused()
    {
        Assert.False(CoordinatorAddress.TryResolve("http://farm-a:7400,https://farm-b:7400", Env(null), out _, out var problem));

        Assert.Contains("is not an http:// or https:// URL", problem);
    }
}
