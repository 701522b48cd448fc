namespace HomeOps.Compile.Init;

/// <summary>One file `homeops init` writes: its path relative to the new repository's root and its full text.</summary>
public sealed record GeneratedFile(string Path, string Text);
