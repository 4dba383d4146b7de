namespace RenderFarm.Coordinator.Transfer;

/// <summary>Thrown by an armed <see cref="TransferFaults"/> cut: the service drops the connection as a network would.</summary>
public sealed class TransferCutException() : Exception("the transfer stream was cut (test fault)");
