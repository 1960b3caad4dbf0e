public enum DSPPlaceholder {}
