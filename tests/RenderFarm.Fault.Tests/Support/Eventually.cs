using Grpc.Core;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>Polls a condition until it holds; a coordinator that is restarting (Unavailable) counts as "not yet".</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, int pollMilliseconds = 100)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await probe() is { } found) return found;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Cancelled)
            {
                last = ex;
            }

            await Task.Delay(pollMilliseconds);
        }

        throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}" + (last is null ? "" : $" (last error: {last.Message})"));
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, int pollMilliseconds = 100) =>
        await WaitAsync<object>(async () => await condition() ? new object() : null, timeout, what, pollMilliseconds);

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, int pollMilliseconds = 100) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what, pollMilliseconds);
}
