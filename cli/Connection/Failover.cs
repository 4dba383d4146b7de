using Grpc.Core;
using RenderFarm.Cli.App;

namespace RenderFarm.Cli.Connection;

/// <summary>
/// Keeps a long-running command (`watch`, `logs --follow`) alive when its coordinator goes away: once the command
/// has reached a coordinator, an UNAVAILABLE call is tried again every <see cref="Pause"/> for up to
/// <see cref="Window"/>. With several addresses the channel moves on to the next coordinator by itself, so the next
/// try lands there; with one, a restarted coordinator is picked up again. Errors before the first answer are the
/// caller's, so an unreachable farm still fails at once.
/// </summary>
internal sealed class Failover(CommandContext context)
{
    /// <summary>How long the command keeps trying after losing its coordinator.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    /// <summary>Pause between tries.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    private bool _reached;
    private DateTimeOffset? _lostAt;

    /// <summary>A call answered: the coordinator (this one or the next) is there.</summary>
    public void Reached()
    {
        if (_lostAt is not null && !context.Json) context.Error.WriteLine("reconnected to the farm; carrying on");
        _reached = true;
        _lostAt = null;
    }

    /// <summary>
    /// Whether to try again after <paramref name="error"/> (after the pause); false when the command should end with it.
    /// </summary>
    public async Task<bool> RetryAsync(RpcException error, CancellationToken cancellationToken)
    {
        if (!_reached || error.StatusCode != StatusCode.Unavailable || cancellationToken.IsCancellationRequested) return false;
        var now = context.Environment.Time.GetUtcNow();
        if (_lostAt is null)
        {
            _lostAt = now;
            if (!context.Json)
            {
                await context.Error.WriteLineAsync($"lost the coordinator ({error.Status.Detail}); trying again for up to {Window.TotalSeconds:0} s");
            }
        }
        else if (now - _lostAt > Window)
        {
            return false;
        }

        await Task.Delay(Pause, context.Environment.Time, cancellationToken);
        return true;
    }
}
