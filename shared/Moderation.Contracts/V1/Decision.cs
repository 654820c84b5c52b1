namespace Moderation.Contracts.V1;

public enum Decision
{
    Allow = 0,
    Review = 1,
    Block = 2,
}
