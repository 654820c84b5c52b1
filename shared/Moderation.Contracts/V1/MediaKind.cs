namespace Moderation.Contracts.V1;

public enum MediaKind
{
    Still = 0,
    Animation = 1,
    Video = 2,
}
