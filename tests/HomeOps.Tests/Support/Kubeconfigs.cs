namespace HomeOps.Tests.Support;

/// <summary>Kubeconfigs for tests that point the CLI at a server that is not the cluster's, or where nothing answers.</summary>
public static class Kubeconfigs
{
    /// <summary>One cluster at <paramref name="server"/> (TLS not verified), one token user, its context current.</summary>
    public static string ForServer(string server) => $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: test
          cluster: {server: "{{server}}", insecure-skip-tls-verify: true}
        contexts:
        - name: test
          context: {cluster: test, user: admin}
        current-context: test
        users:
        - name: admin
          user: {token: whatever}
        """;
}
