namespace HomeOps.Model;

/// <summary>A position in a source file; line and column are 1-based, 0 when unknown.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public static SourceLocation InFile(string file) => new(file, 0, 0);

    public override string ToString() =>
        Line > 0 ? $"{File}:{Line}:{Column}" : File;
}
