namespace HomeOps.Operations.Observe;

/// <summary>The API server did not answer (connection refused, TLS, timeout) or refused the credentials.</summary>
public sealed class ClusterUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The API answered, but not with what was asked for (a 404 for a kind that is not installed, a 4xx refusal).</summary>
public sealed class ClusterReadException(string message, Exception? inner = null) : Exception(message, inner);
