"""Plain types shared by every pipeline stage; nothing here touches storage or the network."""
