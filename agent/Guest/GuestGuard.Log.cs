namespace RenderFarm.Agent.Guest;

public sealed partial class GuestGuard
{
    private static partial class Log
    {
        [LoggerMessage(80, LogLevel.Information, "Guest rules: {State}")]
        public static partial void Availability(ILogger logger, string state);

        [LoggerMessage(81, LogLevel.Information, "The machine's owner is back: pausing attempt(s) {AttemptIds}")]
        public static partial void Pausing(ILogger logger, string attemptIds);

        [LoggerMessage(82, LogLevel.Information, "Resuming attempt(s) {AttemptIds}")]
        public static partial void Resumed(ILogger logger, string attemptIds);

        [LoggerMessage(83, LogLevel.Information, "Giving attempt(s) {AttemptIds} back to the queue: {Reason}")]
        public static partial void GivingBack(ILogger logger, string attemptIds, string reason);

        [LoggerMessage(84, LogLevel.Warning, "Could not check the guest rules: {Message}")]
        public static partial void CheckFailed(ILogger logger, string message);

        [LoggerMessage(85, LogLevel.Information, "Operator's schedule from the coordinator: {Schedule}")]
        public static partial void OperatorSchedule(ILogger logger, string schedule);
    }
}
