using Grpc.Core;

namespace RenderFarm.Agent.Transfer;

/// <summary>Which transfer errors are worth another try (the stream was cut, a chunk arrived damaged), and the wait before it.</summary>
internal static class TransferRetry
{
    public static bool IsRetryable(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex switch
        {
            RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled
                or StatusCode.DeadlineExceeded or StatusCode.Aborted or StatusCode.ResourceExhausted or StatusCode.DataLoss,
            IOException or InvalidOperationException or InvalidDataException => true,
            _ => false,
        };

    public static TimeSpan Delay(TimeSpan first, int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(5000, first.TotalMilliseconds * Math.Pow(2, Math.Max(0, failures - 1))));
}
