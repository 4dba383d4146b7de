using RenderFarm.Coordinator.Security;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Security;

/// <summary>`renderfarm-coordinator keys create`: a wrong role is refused before anything is created on disk.</summary>
public sealed class KeysCommandTests : IDisposable
{
    private readonly TempDir _dir = new("keys");

    [Fact]
    public async Task RunAsync_UnknownRole_RefusedWithoutCreatingTheDataFolderOrDatabase()
    {
        var data = _dir.File("data");

        var exitCode = await KeysCommand.RunAsync(["keys", "create", "--name", "alice", "--role", "admin", $"--Coordinator:DataDirectory={data}"]);

        Assert.Equal(64, exitCode);
        Assert.False(Directory.Exists(data), "the data folder was created for a key that was refused");
    }

    [Fact]
    public async Task RunAsync_KnownRole_IssuesTheKeyIntoTheDatabase()
    {
        var data = _dir.File("data");

        var exitCode = await KeysCommand.RunAsync(["keys", "create", "--name", "alice", "--role", "editor", $"--Coordinator:DataDirectory={data}"]);

        Assert.Equal(0, exitCode);
        Assert.True(File.Exists(Path.Combine(data, "renderfarm.db")));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
