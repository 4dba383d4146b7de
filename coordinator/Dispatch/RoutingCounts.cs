using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// The counted routing rules as wait reasons show them: a <see cref="RoutingLedger"/> read from the store at most once per
/// <see cref="MaxAge"/>, so a page of queued jobs with limit groups costs one read, not one per task. The dispatcher
/// reads its own, fresh, every pass.
/// </summary>
public sealed class RoutingCounts(IJobStore store, IOptions<CoordinatorOptions> options, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _reading = new(1, 1);
    private (RoutingLedger Ledger, DateTimeOffset Read)? _last;

    public async ValueTask<RoutingLedger> CurrentAsync(CancellationToken cancellationToken)
    {
        if (_last is { } last && time.GetUtcNow() - last.Read < MaxAge) return last.Ledger;
        await _reading.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } again && time.GetUtcNow() - again.Read < MaxAge) return again.Ledger;
            var ledger = new RoutingLedger(await store.GetRunningRoutesAsync(cancellationToken), options.Value.Limits);
            _last = (ledger, time.GetUtcNow());
            return ledger;
        }
        finally
        {
            _reading.Release();
        }
    }
}
