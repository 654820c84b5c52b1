namespace Moderation.Testing;
