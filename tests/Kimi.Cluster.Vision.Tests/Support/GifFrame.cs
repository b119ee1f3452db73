namespace Kimi.Cluster.Vision.Tests.Support;

/// <summary>One GIF image block: its rectangle on the canvas, palette indices, and graphic control.</summary>
internal sealed record GifFrame(int Left, int Top, int Width, int Height, byte[] Indices)
{
    public int? TransparentIndex { get; init; }

    public byte[]? LocalPalette { get; init; }

    /// <summary>GIF disposal method (0 unspecified, 1 keep, 2 background, 3 previous).</summary>
    public int Disposal { get; init; }
}
