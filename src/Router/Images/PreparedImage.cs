namespace Kimi.Cluster.Router.Images;

/// <summary>
/// An image of the prompt ready for the workers: resized by Moonshot's rule with Pillow's bicubic
/// filter (RGB, unpadded), how many placeholder tokens it takes, and its content hash.
/// </summary>
public sealed record PreparedImage(int Width, int Height, byte[] Rgb, int Tokens, ulong ContentHash);
