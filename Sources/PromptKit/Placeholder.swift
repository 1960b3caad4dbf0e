public enum PKPlaceholder {}
