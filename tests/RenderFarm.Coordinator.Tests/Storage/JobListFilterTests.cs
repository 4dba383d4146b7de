using System.Diagnostics;
using RenderFarm.Coordinator.Batches;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using Xunit.Abstractions;

namespace RenderFarm.Coordinator.Tests.Storage;

/// <summary>ListJobs' filters (owner, name, batch, with states and paging) as each store answers them.</summary>
public sealed class JobListFilterTests(ITestOutputHelper output)
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ListJobs_ByOwner_OnlyThatOwnersJobsNewestFirstAcrossPages(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var alices = new List<JobRecord>();
        for (var i = 0; i < 5; i++)
        {
            alices.Add(await farm.SubmitAsync($"a{i}", change: s => s.Owner = "alice"));
            await farm.SubmitAsync($"b{i}", change: s => s.Owner = "bob");
        }

        await farm.SubmitAsync("alicia", change: s => s.Owner = "Alice");

        var filter = new JobListFilter([], Owner: "alice");
        var page1 = await farm.Store.ListJobsAsync(filter, null, 3, CancellationToken.None);
        var page2 = await farm.Store.ListJobsAsync(filter, page1[^1].Seq, 3, CancellationToken.None);

        Assert.Equal(alices.Select(j => j.Id).Reverse(), page1.Concat(page2).Select(j => j.Id));
        Assert.All(page1.Concat(page2), j => Assert.Equal("alice", j.Spec.Owner));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ListJobs_ByNameContains_IgnoresCaseAndTakesWildcardsLiterally(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var trailer = await farm.SubmitAsync("final-TRAILER-v2");
        var teaser = await farm.SubmitAsync("teaser");
        var percent = await farm.SubmitAsync("grade-100pct_done", change: s => s.Name = "grade 100%_done");
        var slash = await farm.SubmitAsync("path", change: s => s.Name = @"a\b");

        async Task<IEnumerable<string>> Named(string text) =>
            (await farm.Store.ListJobsAsync(new JobListFilter([], NameContains: text), null, 50, CancellationToken.None)).Select(j => j.Id);

        Assert.Equal([trailer.Id], await Named("Trailer"));
        Assert.Equal([percent.Id], await Named("0%_d"));
        Assert.Equal([percent.Id], await Named("%"));
        Assert.Equal([percent.Id], await Named("_"));
        Assert.Equal([slash.Id], await Named(@"\"));
        Assert.Empty(await Named("e_s")); // '_' is no wildcard: "teaser" has no "e_s"
        Assert.Contains(teaser.Id, await Named("E"));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ListJobs_OwnerNameStateAndBatchCombined_EachNarrows(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var keep = await farm.SubmitAsync("shot-010", change: s => s.Owner = "alice");
        var canceled = await farm.SubmitAsync("shot-020", change: s => s.Owner = "alice");
        var other = await farm.SubmitAsync("shot-030", change: s => s.Owner = "bob");
        var outside = await farm.SubmitAsync("shot-040", change: s => s.Owner = "alice");
        await farm.Catalog.CancelAsync(canceled.Id, CancellationToken.None);
        var batch = new BatchRecord("batch-test", 1, "reel 1", "proxy", 1, "alice", farm.Time.GetUtcNow(), 3);
        await farm.Store.InTransactionAsync(async tx =>
        {
            await BatchStore.InsertAsync(tx, batch, [keep.Id, canceled.Id, other.Id]);
            return true;
        }, CancellationToken.None);

        async Task<IEnumerable<string>> List(JobListFilter filter) =>
            (await farm.Store.ListJobsAsync(filter, null, 50, CancellationToken.None)).Select(j => j.Id).Order();

        Assert.Equal(new[] { keep.Id, canceled.Id, other.Id }.Order(), await List(new JobListFilter([], BatchId: "batch-test")));
        Assert.Equal(new[] { keep.Id, canceled.Id }.Order(), await List(new JobListFilter([], Owner: "alice", BatchId: "batch-test")));
        Assert.Equal([keep.Id], await List(new JobListFilter([JobState.Queued, JobState.Waiting], Owner: "alice", NameContains: "SHOT", BatchId: "batch-test")));
        Assert.Equal([canceled.Id], await List(new JobListFilter([JobState.Canceled], Owner: "alice")));
        Assert.Equal([outside.Id], await List(new JobListFilter([], Owner: "alice", NameContains: "040")));
        Assert.Empty(await List(new JobListFilter([], BatchId: "batch-none")));
    }

    /// <summary>
    /// 100,000 jobs (10 owners, one rare owner, names that are all alike but one): a filtered page is read from the
    /// owner index, or by scanning the names once; either way well under a second. The figures are printed.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ListJobs_FilteredPageOf100000Jobs_IsFast(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var store = (SqlJobStore)farm.Store;
        await using (var connection = await store.OpenConnectionAsync(CancellationToken.None))
        {
            // Rows straight into rf_jobs (the list reads nothing else), with specs of a realistic width (about 250 bytes);
            // owner-rare holds every 5,000th job. PostgreSQL's
            // per-row state counter triggers would take half a minute on this machine, and counts are not what is measured.
            if (provider == "postgres") await connection.ExecuteAsync(null, "ALTER TABLE rf_jobs DISABLE TRIGGER USER", CancellationToken.None);
            await connection.ExecuteAsync(null, """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
                INSERT INTO rf_jobs (id, seq, spec, state, create_time, owner, name_key)
                SELECT 'job-bulk-' || i, i, '{"name":"Clip ' || i || '","inputPath":"/mnt/media/projects/show-12/editorial/reel-04/day-' || (i % 40) || '/A' || i || '_C001_0412XY.mov","outputPath":"/mnt/media/projects/show-12/proxies/reel-04/day-' || (i % 40) || '/A' || i || '_C001_0412XY.mp4","priority":5}', CASE WHEN i % 3 = 0 THEN 4 ELSE 2 END, 1700000000000,
                       CASE WHEN i % 5000 = 0 THEN 'owner-rare' ELSE 'owner-' || (i % 10) END, 'clip ' || i
                FROM n
                """, CancellationToken.None);
            if (provider == "postgres") await connection.ExecuteAsync(null, "ALTER TABLE rf_jobs ENABLE TRIGGER USER", CancellationToken.None);
            await connection.ExecuteAsync(null, provider == "postgres" ? "ANALYZE rf_jobs" : "ANALYZE", CancellationToken.None);
        }

        var cases = new (string What, JobListFilter Filter, int Expected)[]
        {
            ("owner (10,000 match)", new JobListFilter([], Owner: "owner-3"), 50),
            ("rare owner (20 match)", new JobListFilter([], Owner: "owner-rare"), 20),
            ("owner + succeeded", new JobListFilter([JobState.Succeeded], Owner: "owner-3"), 50),
            ("name, one match", new JobListFilter([], NameContains: "CLIP 77777"), 1),
            ("name, none match", new JobListFilter([], NameContains: "no such clip"), 0),
            ("owner + name", new JobListFilter([], Owner: "owner-7", NameContains: "9997"), 11),
            ("succeeded + name, none match", new JobListFilter([JobState.Succeeded], NameContains: "clip 77777"), 0),
            ("name, 11,111 match, all far back", new JobListFilter([], NameContains: "clip 1"), 50),
        };
        foreach (var (what, filter, expected) in cases)
        {
            await farm.Store.ListJobsAsync(filter, null, 51, CancellationToken.None); // warm the statement
            var timer = Stopwatch.StartNew();
            var page = await farm.Store.ListJobsAsync(filter, null, 51, CancellationToken.None);
            var second = await farm.Store.ListJobsAsync(filter, page.Count > 0 ? page[^1].Seq : null, 51, CancellationToken.None);
            timer.Stop();
            output.WriteLine($"MEASURE list_jobs_100k_{provider} {what}: {timer.Elapsed.TotalMilliseconds / 2:0.0} ms a page ({page.Count} + {second.Count} rows)");
            Assert.Equal(expected, Math.Min(page.Count, 50));
            Assert.True(timer.Elapsed < TimeSpan.FromSeconds(4), $"{what}: two pages took {timer.Elapsed.TotalMilliseconds:0} ms");
        }
    }
}
