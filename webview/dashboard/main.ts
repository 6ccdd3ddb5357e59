document.body.textContent = 'Loss Lab dashboard';
