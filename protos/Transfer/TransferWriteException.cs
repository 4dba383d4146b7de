namespace RenderFarm.Protos.Transfer;

/// <summary>A received chunk could not be written to its file (a full or failing disk): asking for the bytes again does not help.</summary>
public sealed class TransferWriteException(string message, Exception inner) : Exception(message, inner);
