"""The documentation's images and renders: body figures (``body_figures``, ``word_figures``), face
renders on Apple's reference head (``render_face_geometry``, ``render_emotion``), the conversation
render (``conversation_render``) and the editing screenshots (``edit_docs_images``)."""
