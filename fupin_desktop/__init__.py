"""fupin-desktop: offline 扶贫建档立卡 program for township poverty-alleviation offices."""

__version__ = "0.1.0"
