using Microsoft.Data.Sqlite;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// Direct edits of Quartz's tables in the coordinator's SQLite file (only while the coordinator is down), to make
/// a state a crash can leave behind without having to win a race against the crash.
/// </summary>
public static class QuartzTables
{
    /// <summary>
    /// Deletes the one-shot trigger that releases <paramref name="taskId"/> from its retry backoff
    /// (QuartzReleaseScheduler names it <c>release-&lt;task id&gt;</c> in group <c>renderfarm-retries</c>). Returns rows deleted.
    /// </summary>
    public static async Task<int> DeleteReleaseTriggerAsync(string dataDir, string taskId)
    {
        var deleted = 0;
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(dataDir, "renderfarm.db")};Pooling=False"))
        {
            await db.OpenAsync();
            foreach (var table in (string[])["QRTZ_SIMPLE_TRIGGERS", "QRTZ_TRIGGERS"])
            {
                await using var delete = db.CreateCommand();
                delete.CommandText = $"DELETE FROM {table} WHERE TRIGGER_NAME = $name AND TRIGGER_GROUP = 'renderfarm-retries'";
                delete.Parameters.AddWithValue("$name", "release-" + taskId);
                deleted += await delete.ExecuteNonQueryAsync();
            }
        }

        return deleted;
    }
}
